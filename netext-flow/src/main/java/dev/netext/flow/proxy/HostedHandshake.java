package dev.netext.flow.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The engine's side of handing a claimed flow to a hosted proxy provider ({@link ProxyServer.Hosted}): send the
 * claim's random token; the host answers one {@link #ACCEPTED} byte once it has matched the token to the flow and
 * given the connection to the provider (or closes the connection: no such claim). The token, not the flow id, names
 * the claim, so another local process connecting to the listener cannot take a flow.
 */
public final class HostedHandshake implements UpstreamHandshake {
    public static final int TOKEN_BYTES = 16;
    public static final byte ACCEPTED = 0x00;

    private final byte[] token;

    public HostedHandshake(byte[] token) {
        if (token == null || token.length != TOKEN_BYTES) throw new IllegalArgumentException("token must be " + TOKEN_BYTES + " bytes");
        this.token = token.clone();
    }

    @Override
    public byte[] start() { return token.clone(); }

    @Override
    public Step receive(ByteBuffer in) throws IOException {
        if (!in.hasRemaining()) return Step.MORE;
        byte b = in.get();
        if (b != ACCEPTED) throw new IOException("proxy host refused the flow (answer " + (b & 0xff) + ")");
        return Step.DONE;
    }
}
