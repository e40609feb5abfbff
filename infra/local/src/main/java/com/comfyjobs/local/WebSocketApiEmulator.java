package com.comfyjobs.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.comfyjobs.servers.LocalLambdaContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * API Gateway's WebSocket API on a local port, served from template.yaml's routes: a client connects
 * to {@code ws://HOST:PORT/ws}, and each connection is handled by the route handlers themselves as API
 * Gateway invokes them ($connect before the upgrade, which any answer but 2xx refuses; $default for
 * every message, its answer sent back on the connection; $disconnect once it closes). The same port
 * serves the Management API the pushing functions post to: {@code POST /@connections/{id}} sends the
 * body to that connection, 410 with {@code x-amzn-ErrorType: GoneException} for one that is closed.
 *
 * <p>The caller comes from {@link CallerIdentities}, standing in for the authorizer that verifies the
 * JWT in {@code ?token=} in AWS: in the development stack the {@code user} query parameter (nothing is
 * checked: never expose the port), under {@code serve} an API key in {@code ?token=}; a refused upgrade
 * is answered 401 before $connect runs. The Management API answers only this machine (loopback):
 * the functions posting to it run in this process, and nobody else may write to a connection.
 */
public final class WebSocketApiEmulator implements AutoCloseable {
    public static final String PATH = "/ws";
    private static final String CONNECTIONS = "/@connections/";
    /** API Gateway's limits: 128 KB a message, in frames of 32 KB. */
    private static final int MAX_MESSAGE_BYTES = 128 * 1024;
    private static final SecureRandom IDS = new SecureRandom();

    private final RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> connect;
    private final RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> message;
    private final RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> disconnect;
    private final CallerIdentities identities;
    private final Map<String, Channel> open = new ConcurrentHashMap<>();
    private final ExecutorService invocations = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "local-ws-route");
        t.setDaemon(true);
        return t;
    });
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel listener;

    public WebSocketApiEmulator(String host, int port, Map<String, RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse>> routes,
                                CallerIdentities identities) throws InterruptedException {
        this.connect = route(routes, "$connect");
        this.message = route(routes, "$default");
        this.disconnect = route(routes, "$disconnect");
        this.identities = identities;
        this.boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("local-ws-accept", true), NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("local-ws-io", true), NioIoHandler.newFactory());
        this.listener = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new HttpServerCodec()).addLast(new HttpObjectAggregator(MAX_MESSAGE_BYTES + 1024))
                                .addLast("http", new HttpRequests());
                    }
                })
                .bind(new InetSocketAddress(host, port)).sync().channel();
    }

    private static RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> route(
            Map<String, RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse>> routes, String key) {
        RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> h = routes.get(key);
        if (h == null) {
            throw new IllegalStateException("template.yaml's WebSocket API has no " + key + " route");
        }
        return h;
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Where the Management API is, as the functions' WEBSOCKET_ENDPOINT names a stage. */
    public static String endpoint(String host, int port) {
        return "http://" + host + ":" + port;
    }

    private static boolean fromThisMachine(ChannelHandlerContext ctx) {
        java.net.InetAddress from = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        try {
            return from.isLoopbackAddress() || java.net.NetworkInterface.getByInetAddress(from) != null;
        } catch (java.net.SocketException e) {
            return false;
        }
    }

    /** The connections open now. */
    public int openConnections() {
        return open.size();
    }

    private static String newConnectionId() {
        byte[] b = new byte[12];
        IDS.nextBytes(b);
        return Base64.getEncoder().encodeToString(b).replace('/', '_') + "=";
    }

    private APIGatewayV2WebSocketEvent event(String routeKey, String connectionId, String user, String body, boolean binary) {
        APIGatewayV2WebSocketEvent.RequestContext c = new APIGatewayV2WebSocketEvent.RequestContext();
        c.setRouteKey(routeKey);
        c.setEventType(switch (routeKey) {
            case "$connect" -> "CONNECT";
            case "$disconnect" -> "DISCONNECT";
            default -> "MESSAGE";
        });
        c.setConnectionId(connectionId);
        c.setRequestId(newConnectionId());
        c.setApiId("local");
        c.setStage("local");
        c.setDomainName("localhost");
        c.setMessageDirection("IN");
        c.setRequestTimeEpoch(Instant.now().toEpochMilli());
        c.setAuthorizer(Map.of("principalId", user, "userId", user));
        APIGatewayV2WebSocketEvent e = new APIGatewayV2WebSocketEvent();
        e.setRequestContext(c);
        e.setBody(body);
        e.setIsBase64Encoded(binary);
        return e;
    }

    private APIGatewayV2WebSocketResponse invoke(RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> h,
                                                 APIGatewayV2WebSocketEvent e) {
        return h.handleRequest(e, new LocalLambdaContext(e.getRequestContext().getRouteKey(), Duration.ofSeconds(29), 1024));
    }

    /** Upgrades at /ws and the Management API; nothing else. */
    private final class HttpRequests extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            QueryStringDecoder query = new QueryStringDecoder(request.uri());
            String path = query.rawPath();
            if (path.startsWith(CONNECTIONS) && request.method().equals(HttpMethod.POST)) {
                if (!fromThisMachine(ctx)) {
                    reply(ctx, HttpResponseStatus.FORBIDDEN, "ForbiddenException", "{\"message\":\"Forbidden\"}");
                    return;
                }
                post(ctx, URLDecoder.decode(path.substring(CONNECTIONS.length()), StandardCharsets.UTF_8), ByteBufUtil.getBytes(request.content()));
            } else if (path.equals(PATH) && request.method().equals(HttpMethod.GET)
                    && "websocket".equalsIgnoreCase(request.headers().get(HttpHeaderNames.UPGRADE))) {
                Optional<CallerIdentities.LocalCaller> caller = identities.ofWebSocket(name -> {
                    List<String> values = query.parameters().get(name);
                    return values == null || values.isEmpty() ? null : values.get(0);
                });
                if (caller.isEmpty()) {
                    reply(ctx, HttpResponseStatus.UNAUTHORIZED, "UnauthorizedException", "{\"message\":\"Unauthorized\"}");
                    ctx.channel().close();
                    return;
                }
                String user = caller.get().user();
                request.retain();
                CompletableFuture.runAsync(() -> open(ctx, request, user), invocations);
            } else {
                reply(ctx, HttpResponseStatus.NOT_FOUND, "NotFoundException", "{\"message\":\"Not Found\"}");
            }
        }

        /** The Management API: the message goes out on the connection, or 410 when it is gone. */
        private void post(ChannelHandlerContext ctx, String connectionId, byte[] body) {
            Channel c = open.get(connectionId);
            if (c == null || !c.isActive()) {
                reply(ctx, HttpResponseStatus.GONE, "GoneException", "{\"message\":null}");
            } else if (body.length > MAX_MESSAGE_BYTES) {
                reply(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "PayloadTooLargeException", "{\"message\":\"Message too long\"}");
            } else {
                c.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(body)));
                reply(ctx, HttpResponseStatus.OK, null, "");
            }
        }

        /** $connect first: an answer other than 2xx refuses the connection with that status, as API Gateway does. */
        private void open(ChannelHandlerContext ctx, FullHttpRequest request, String user) {
            try {
                String id = newConnectionId();
                int status;
                try {
                    status = invoke(connect, event("$connect", id, user, null, false)).getStatusCode();
                } catch (RuntimeException e) {
                    status = 500;
                }
                if (status < 200 || status > 299) {
                    request.release();
                    reply(ctx, HttpResponseStatus.valueOf(status), null, "{\"message\":\"Forbidden\"}");
                    ctx.channel().close();
                    return;
                }
                String location = "ws://" + request.headers().get(HttpHeaderNames.HOST) + PATH;
                WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(location, null, true, MAX_MESSAGE_BYTES)
                        .newHandshaker(request);
                if (handshaker == null) {
                    request.release();
                    WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
                    return;
                }
                Connection connection = new Connection(id, user, handshaker);
                ctx.channel().eventLoop().execute(() -> {
                    ctx.pipeline().replace("http", "websocket", connection);
                    handshaker.handshake(ctx.channel(), request).addListener((ChannelFutureListener) done -> {
                        request.release();
                        if (done.isSuccess()) {
                            open.put(id, done.channel());
                        } else {
                            done.channel().close();
                        }
                    });
                });
            } catch (RuntimeException e) {
                request.release();
                ctx.channel().close();
            }
        }
    }

    /** One open connection: its messages go to $default in order, its end to $disconnect once. */
    private final class Connection extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final String id;
        private final String user;
        private final WebSocketServerHandshaker handshaker;
        private final AtomicBoolean closed = new AtomicBoolean();
        private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);

        Connection(String id, String user, WebSocketServerHandshaker handshaker) {
            this.id = id;
            this.user = user;
            this.handshaker = handshaker;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof CloseWebSocketFrame) {
                handshaker.close(ctx.channel(), (CloseWebSocketFrame) frame.retain());
            } else if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            } else if (frame instanceof TextWebSocketFrame text) {
                deliver(ctx, text.text(), false);
            } else if (frame instanceof BinaryWebSocketFrame binary) {
                deliver(ctx, Base64.getEncoder().encodeToString(ByteBufUtil.getBytes(binary.content())), true);
            }
        }

        private void deliver(ChannelHandlerContext ctx, String body, boolean binary) {
            last = last.thenRunAsync(() -> {
                try {
                    APIGatewayV2WebSocketResponse r = invoke(message, event("$default", id, user, body, binary));
                    if (r.getBody() != null && ctx.channel().isActive()) {
                        ctx.writeAndFlush(new TextWebSocketFrame(r.getBody()));
                    }
                } catch (RuntimeException e) {
                    ctx.writeAndFlush(new TextWebSocketFrame("{\"message\": \"Internal server error\"}"));
                }
            }, invocations);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            open.remove(id);
            if (closed.compareAndSet(false, true)) {
                last.thenRunAsync(() -> invoke(disconnect, event("$disconnect", id, user, null, false)), invocations);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static void reply(ChannelHandlerContext ctx, HttpResponseStatus status, String errorType, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json").setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        if (errorType != null) {
            r.headers().set("x-amzn-ErrorType", errorType);
        }
        ctx.writeAndFlush(r);
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        invocations.shutdown();
        try {
            invocations.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
