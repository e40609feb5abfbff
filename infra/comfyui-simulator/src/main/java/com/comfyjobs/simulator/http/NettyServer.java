package com.comfyjobs.simulator.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The listening socket and its connections. It can stop listening (connections refused, open ones
 * cut) and listen again on the same port, which is how the simulator fakes ComfyUI going away.
 */
final class NettyServer {
    private static final int MAX_REQUEST_BYTES = (int) FileRoutes.MAX_UPLOAD_BYTES + (1 << 20);

    private final String host;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ChannelGroup connections;
    private final ServerBootstrap bootstrap;
    private Channel listener;
    private int port;

    NettyServer(String host, int port, String threadName, Supplier<ChannelHandler> handlers) {
        this.host = host;
        this.port = port;
        this.boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(threadName + "-accept", true),
                NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory(threadName + "-io", true),
                NioIoHandler.newFactory());
        this.connections = new DefaultChannelGroup(threadName, workers.next());
        this.bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        connections.add(channel);
                        channel.pipeline()
                                .addLast("http", new HttpServerCodec())
                                .addLast("aggregate", new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                .addLast("handler", handlers.get());
                    }
                });
    }

    synchronized void startListening() throws InterruptedException {
        if (listener != null) {
            return;
        }
        listener = bootstrap.bind(new InetSocketAddress(host, port)).sync().channel();
        port = ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Closes the listening socket and every open connection; new connections are refused. */
    synchronized void stopListening() throws InterruptedException {
        if (listener != null) {
            listener.close().sync();
            listener = null;
        }
        connections.close().await(5, TimeUnit.SECONDS);
    }

    synchronized boolean isListening() {
        return listener != null;
    }

    synchronized int port() {
        return port;
    }

    void close() throws InterruptedException {
        stopListening();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        boss.terminationFuture().await(5, TimeUnit.SECONDS);
        workers.terminationFuture().await(5, TimeUnit.SECONDS);
    }
}
