package com.comfyjobs.simulator.http;

import com.comfyjobs.simulator.engine.FaultState;
import com.comfyjobs.simulator.engine.PromptQueue;
import com.comfyjobs.simulator.engine.Session;
import com.comfyjobs.simulator.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Every HTTP request: the bearer check, the /_sim/ admin routes, the response faults (delay, 500),
 * then ComfyUI's routes, under / and under /api, and the WebSocket upgrade at /ws.
 */
final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final int MAX_FRAME_BYTES = 1 << 20;

    private final ApiRoutes api;
    private final AdminRoutes admin;
    private final WebSocketHub hub;
    private final PromptQueue queue;
    private final Session session;
    private final FaultState faults;
    private final Random errorRandom;
    private final String bearerToken;
    private final RequestCounts requests;

    RequestHandler(ApiRoutes api, AdminRoutes admin, WebSocketHub hub, PromptQueue queue, Session session,
                   FaultState faults, Random errorRandom, String bearerToken, RequestCounts requests) {
        this.requests = requests;
        this.api = api;
        this.admin = admin;
        this.hub = hub;
        this.queue = queue;
        this.session = session;
        this.faults = faults;
        this.errorRandom = errorRandom;
        this.bearerToken = bearerToken;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            write(ctx, Reply.text(400, "400: Bad Request"), false, 0);
            return;
        }
        if (bearerToken != null && !("Bearer " + bearerToken).equals(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            write(ctx, Reply.text(401, "401: Unauthorized"), keepAlive, 0);
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        String path = query.path();
        if (path.startsWith("/_sim/")) {
            write(ctx, admin.handle(request, path), keepAlive, 0);
            return;
        }
        String route = path.equals("/api") ? "/" : path.startsWith("/api/") ? path.substring(4) : path;
        requests.count(request.method().name(), route);
        long delay = faults.slowResponseMillis();
        if (faults.serverErrorPercent() > 0 && nextPercent() < faults.serverErrorPercent()) {
            write(ctx, Reply.internalError(), keepAlive, delay);
            return;
        }
        if (route.equals("/ws")) {
            if (!request.method().equals(HttpMethod.GET)) {
                write(ctx, Reply.text(405, "405: Method Not Allowed"), keepAlive, delay);
            } else {
                upgrade(ctx, request, query, delay);
            }
            return;
        }
        write(ctx, api.handle(request, route, query), keepAlive, delay);
    }

    private double nextPercent() {
        synchronized (errorRandom) {
            return errorRandom.nextDouble() * 100;
        }
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, QueryStringDecoder query, long delay) {
        if (!"websocket".equalsIgnoreCase(request.headers().get(HttpHeaderNames.UPGRADE))) {
            write(ctx, Reply.text(400, "400: Bad Request"), false, delay);
            return;
        }
        String location = "ws://" + request.headers().get(HttpHeaderNames.HOST) + query.path();
        WebSocketServerHandshaker handshaker =
                new WebSocketServerHandshakerFactory(location, null, true, MAX_FRAME_BYTES).newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        String requested = Http.param(query, "clientId");
        String sid = requested == null || requested.isEmpty() ? UUID.randomUUID().toString().replace("-", "") : requested;
        request.retain();
        later(ctx, delay, () -> {
            try {
                hub.register(sid, ctx.channel());
                ctx.pipeline().replace(this, "websocket", new WebSocketFrameHandler(handshaker, hub, sid));
                handshaker.handshake(ctx.channel(), request).addListener((ChannelFutureListener) done -> {
                    if (done.isSuccess()) {
                        greet(sid);
                    } else {
                        done.channel().close();
                    }
                });
            } finally {
                request.release();
            }
        });
    }

    /** What ComfyUI sends a new socket: the queue status with its sid, and the current node if it is that client's. */
    private void greet(String sid) {
        ObjectNode status = Json.object();
        status.set("status", queue.queueInfo());
        status.put("sid", sid);
        hub.send("status", status, sid);
        String lastNode = session.lastNodeId();
        if (sid.equals(session.clientId()) && lastNode != null) {
            ObjectNode executing = Json.object();
            executing.put("node", lastNode);
            hub.send("executing", executing, sid);
        }
    }

    private void write(ChannelHandlerContext ctx, Reply reply, boolean keepAlive, long delay) {
        later(ctx, delay, () -> {
            if (reply.file() != null) {
                writeFile(ctx, reply, keepAlive);
                return;
            }
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.body()));
            headers(response.headers(), reply, keepAlive);
            HttpUtil.setContentLength(response, reply.body().length);
            finish(ctx.writeAndFlush(response), keepAlive);
        });
    }

    /** Streams the file from disk (zero-copy): a 200 MB image never sits in memory. */
    private void writeFile(ChannelHandlerContext ctx, Reply reply, boolean keepAlive) {
        RandomAccessFile file;
        long length;
        try {
            file = new RandomAccessFile(reply.file().toFile(), "r");
            length = file.length();
        } catch (IOException e) {
            write(ctx, Reply.notFound(), keepAlive, 0);
            return;
        }
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        headers(response.headers(), reply, keepAlive);
        HttpUtil.setContentLength(response, length);
        ctx.write(response);
        ctx.write(new DefaultFileRegion(file.getChannel(), 0, length));
        finish(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT), keepAlive);
    }

    private static void headers(HttpHeaders headers, Reply reply, boolean keepAlive) {
        headers.set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        headers.set(HttpHeaderNames.SERVER, "Python/3.12 aiohttp/3.12.15");
        reply.headers().forEach(headers::set);
        if (!keepAlive) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }

    private static void finish(ChannelFuture written, boolean keepAlive) {
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static void later(ChannelHandlerContext ctx, long delayMillis, Runnable action) {
        if (delayMillis > 0) {
            ctx.executor().schedule(action, delayMillis, TimeUnit.MILLISECONDS);
        } else {
            action.run();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
