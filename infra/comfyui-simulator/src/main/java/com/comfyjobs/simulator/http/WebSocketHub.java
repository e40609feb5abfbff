package com.comfyjobs.simulator.http;

import com.comfyjobs.simulator.engine.EventListener;
import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PromptServer.sockets: one WebSocket per client id. An event for a client without an open socket is
 * dropped (nothing is buffered); an event without a sid goes to every socket.
 */
public final class WebSocketHub implements EventListener {
    private final Map<String, Channel> sockets = new LinkedHashMap<>();
    private final Map<String, JsonNode> featureFlags = new LinkedHashMap<>();

    /** A new socket takes over the sid; an older socket with the same sid stays open but hears nothing. */
    public synchronized void register(String sid, Channel channel) {
        sockets.remove(sid);
        sockets.put(sid, channel);
        featureFlags.put(sid, Json.object());
    }

    /**
     * Like ComfyUI's finally clause, a closing socket removes its sid even when a newer socket has taken
     * the sid over since: that newer socket then hears nothing until it reconnects.
     */
    public synchronized void unregister(String sid) {
        sockets.remove(sid);
        featureFlags.remove(sid);
    }

    public synchronized void featureFlags(String sid, JsonNode flags) {
        if (sockets.containsKey(sid)) {
            featureFlags.put(sid, flags);
        }
    }

    @Override
    public void event(String type, ObjectNode data, String sid) {
        send(type, data, sid);
    }

    /** PromptServer.send: to {@code sid}'s socket, or to all when {@code sid} is null. */
    public synchronized void send(String type, JsonNode data, String sid) {
        ObjectNode message = Json.object();
        message.put("type", type);
        message.set("data", data);
        String text = Json.python(message);
        if (sid == null) {
            sockets.values().forEach(channel -> write(channel, text));
        } else {
            Channel channel = sockets.get(sid);
            if (channel != null) {
                write(channel, text);
            }
        }
    }

    /** A restart: every client is disconnected. */
    public void closeAll() {
        List<Channel> open;
        synchronized (this) {
            open = new ArrayList<>(sockets.values());
            sockets.clear();
            featureFlags.clear();
        }
        // a going-away close frame first: clients learn of the restart at once instead of on their next read
        open.forEach(channel -> channel.eventLoop().execute(() -> channel.writeAndFlush(new CloseWebSocketFrame(1001, "server restart"))
                .addListener(f -> channel.close())));
    }

    /** Queued on the channel's event loop, so frames leave in the order events were sent. */
    private static void write(Channel channel, String text) {
        channel.eventLoop().execute(() -> channel.writeAndFlush(new TextWebSocketFrame(text)));
    }
}
