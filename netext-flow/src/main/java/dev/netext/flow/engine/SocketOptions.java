package dev.netext.flow.engine;

import io.netty.channel.unix.IntegerUnixChannelOption;

/** Socket options Netty's epoll transport does not name. */
final class SocketOptions {
    /** SOL_SOCKET (1) / SO_MARK (36) from asm-generic/socket.h: the bypass mark on netext's own sockets. */
    static final IntegerUnixChannelOption SO_MARK = new IntegerUnixChannelOption("SO_MARK", 1, 36);

    private SocketOptions() {}
}
