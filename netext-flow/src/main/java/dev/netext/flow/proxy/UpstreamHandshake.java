package dev.netext.flow.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The client side of a proxy's opening exchange (SOCKS5 negotiation, HTTP CONNECT), as a transport-free state
 * machine: {@link HandshakeHandler} runs it over a Netty channel, tests run it over byte arrays. After
 * {@link Step#DONE} the connection carries the application's bytes.
 */
public interface UpstreamHandshake {

    /** What the handshake wants after consuming server bytes. */
    sealed interface Step permits Step.More, Step.Send, Step.Done {
        Step MORE = new More();
        Step DONE = new Done();

        /** Not enough bytes yet: the buffer's position is unchanged; call again with more. */
        record More() implements Step {}

        /** Send these bytes, then wait for the server's answer. */
        record Send(byte[] bytes) implements Step {}

        /** Finished: bytes after the buffer's position belong to the application. */
        record Done() implements Step {}
    }

    /** The bytes to send once the TCP connection is up. */
    byte[] start();

    /**
     * Consumes the server's bytes from {@code in}'s position. Throws on a refusal or a protocol error (the message
     * says which, for the flow's log).
     */
    Step receive(ByteBuffer in) throws IOException;

    /** The most server bytes a handshake may hold unanswered: more is a protocol error. */
    int MAX_PENDING = 8 * 1024;
}
