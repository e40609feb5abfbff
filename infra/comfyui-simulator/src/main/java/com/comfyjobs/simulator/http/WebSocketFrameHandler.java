package com.comfyjobs.simulator.http;

import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import java.io.IOException;

/**
 * One client's socket after the handshake. Clients only ever send ComfyUI's optional first message,
 * {"type": "feature_flags", ...}, which is answered with the server's flags.
 */
final class WebSocketFrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final WebSocketServerHandshaker handshaker;
    private final WebSocketHub hub;
    private final String sid;
    private boolean firstMessage = true;

    WebSocketFrameHandler(WebSocketServerHandshaker handshaker, WebSocketHub hub, String sid) {
        this.handshaker = handshaker;
        this.hub = hub;
        this.sid = sid;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame) {
            handshaker.close(ctx.channel(), (CloseWebSocketFrame) frame.retain());
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof TextWebSocketFrame text) {
            onText(ByteBufUtil.getBytes(text.content()));
        }
    }

    private void onText(byte[] bytes) {
        try {
            JsonNode message = Json.parse(bytes);
            if (firstMessage && "feature_flags".equals(message.path("type").asText(null))) {
                hub.featureFlags(sid, message.has("data") ? message.get("data") : Json.object());
                ObjectNode flags = Json.object();
                flags.put("supports_preview_metadata", true);
                flags.put("max_upload_size", FileRoutes.MAX_UPLOAD_BYTES);
                hub.send("feature_flags", flags, sid);
            }
        } catch (IOException notJson) {
            // ComfyUI logs and ignores a message that is not JSON.
        }
        firstMessage = false;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        hub.unregister(sid);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
