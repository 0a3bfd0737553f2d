package dev.netext.flow.engine;

import dev.netext.linux.tproxy.InterceptionConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollSocketChannel;

import java.time.Duration;

/** The TCP sockets the terminated path opens and closes for a flow. */
final class FlowSockets {
    private FlowSockets() {}

    /**
     * A connection netext opens for a flow, on {@code loop}: bypass-marked (not intercepted again), read on demand,
     * half-closable as the client's side is, without Nagle (the client's writes pass as they came), its connect
     * bounded, level-triggered (the relay reads only what it asks for). The caller adds the handler.
     */
    static Bootstrap upstream(EventLoop loop, Duration connectTimeout) {
        return new Bootstrap().group(loop).channel(EpollSocketChannel.class)
                .option(SocketOptions.SO_MARK, InterceptionConfig.DEFAULT_BYPASS_MARK)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED);
    }

    /** Closes {@code ch} with a reset rather than a FIN; nothing for a closed or absent channel. */
    static void reset(Channel ch) {
        if (ch == null || !ch.isOpen()) return;
        if (ch instanceof EpollSocketChannel e) e.config().setSoLinger(0); // close sends RST
        ch.close();
    }
}
