package dev.netext.dns.server;

import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;

/** Where the answer to one query goes: a UDP client address on a listener socket, or a TCP connection. */
interface Responder {
    /** Sends {@code msg[0, length)} (already sized for the transport) to the client. Any thread. */
    void send(byte[] msg, int length);

    /** The event loop of the channel the answer goes out on: where a held answer is timed and sent from. */
    EventExecutor executor();

    /** Gives the responder for a client when a query is answered later (an upstream round trip). */
    interface Target {
        Responder responder(InetSocketAddress client);

        /** The listener's own address the client sent to (a wildcard address when bound to one), or null. */
        default InetSocketAddress localAddress() { return null; }
    }
}
