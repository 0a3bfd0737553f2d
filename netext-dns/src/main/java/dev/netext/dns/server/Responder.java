package dev.netext.dns.server;

import io.netty.channel.Channel;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;

/** Where the answer to one query goes: a UDP client address on a listener socket, or a TCP connection. */
interface Responder {
    /** Sends {@code msg[0, length)} (already sized for the transport) to the client. Any thread. */
    void send(byte[] msg, int length);

    /** The event loop of the channel the answer goes out on: where a held answer is timed and sent from. */
    EventExecutor executor();

    /** Answers written on a listener's channel {@code ch} by {@code writer}, timed on the channel's event loop. */
    static Responder on(Channel ch, Writer writer) {
        return new Responder() {
            @Override public void send(byte[] msg, int length) { writer.write(ch, msg, length); }
            @Override public EventExecutor executor() { return ch.eventLoop(); }
        };
    }

    /** How a listener's transport puts one answer on its channel (a datagram to the client, a length-prefixed frame). */
    interface Writer {
        void write(Channel ch, byte[] msg, int length);
    }

    /** Gives the responder for a client when a query is answered later (an upstream round trip). */
    interface Target {
        Responder responder(InetSocketAddress client);

        /** The listener's own address the client sent to (a wildcard address when bound to one), or null. */
        default InetSocketAddress localAddress() { return null; }

        /** The local address of a listener's channel {@code ch}, or null before there is one. */
        static InetSocketAddress localAddress(Channel ch) {
            return ch == null ? null : (InetSocketAddress) ch.localAddress();
        }
    }
}
