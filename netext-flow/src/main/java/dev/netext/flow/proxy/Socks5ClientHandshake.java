package dev.netext.flow.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The client side of RFC 1928 up to the server's reply: method negotiation (§3), username/password subnegotiation
 * when credentials are given (RFC 1929 §2), then one request (§4: CONNECT or UDP ASSOCIATE) and its reply (§6).
 * The reply's BND.ADDR/BND.PORT is kept: for UDP ASSOCIATE it is the relay to send datagrams to.
 */
public final class Socks5ClientHandshake implements UpstreamHandshake {
    private enum State { METHOD_SELECTION, AUTH_STATUS, REPLY, DONE }

    private final int command;
    private final Socks5Address target;
    private final Optional<Socks5Credentials> credentials;
    private State state = State.METHOD_SELECTION;
    private Socks5Address bound;

    private Socks5ClientHandshake(int command, Socks5Address target, Optional<Socks5Credentials> credentials) {
        this.command = command;
        this.target = target;
        this.credentials = credentials == null ? Optional.empty() : credentials;
    }

    /** CONNECT to {@code target} (§4 CMD 1). */
    public static Socks5ClientHandshake connect(Socks5Address target, Optional<Socks5Credentials> credentials) {
        return new Socks5ClientHandshake(Socks5.CMD_CONNECT, target, credentials);
    }

    /** UDP ASSOCIATE (§4 CMD 3, §7); {@code from} is where datagrams will come from, or {@link Socks5Address#unspecified()}. */
    public static Socks5ClientHandshake udpAssociate(Socks5Address from, Optional<Socks5Credentials> credentials) {
        return new Socks5ClientHandshake(Socks5.CMD_UDP_ASSOCIATE, from, credentials);
    }

    /** The server's BND.ADDR/BND.PORT, once done. */
    public Socks5Address bound() {
        if (state != State.DONE) throw new IllegalStateException("handshake not finished");
        return bound;
    }

    @Override
    public byte[] start() {
        // §3: VER, NMETHODS, METHODS; offer username/password only when there are credentials
        return credentials.isPresent()
                ? new byte[]{Socks5.VERSION, 2, Socks5.METHOD_NO_AUTHENTICATION_REQUIRED, Socks5.METHOD_USERNAME_PASSWORD}
                : new byte[]{Socks5.VERSION, 1, Socks5.METHOD_NO_AUTHENTICATION_REQUIRED};
    }

    @Override
    public Step receive(ByteBuffer in) throws IOException {
        return switch (state) {
            case METHOD_SELECTION -> {
                if (in.remaining() < 2) yield Step.MORE;
                checkVersion(in.get(), Socks5.VERSION);
                int method = in.get() & 0xFF;
                if (method == Socks5.METHOD_NO_AUTHENTICATION_REQUIRED) {
                    state = State.REPLY;
                    yield new Step.Send(request());
                }
                if (method == Socks5.METHOD_USERNAME_PASSWORD && credentials.isPresent()) {
                    state = State.AUTH_STATUS;
                    yield new Step.Send(authRequest(credentials.get()));
                }
                if (method == Socks5.METHOD_NO_ACCEPTABLE_METHODS)
                    throw new Socks5Exception("server accepts none of the offered methods"
                            + (credentials.isEmpty() ? " (it may require a username and password)" : ""));
                throw new Socks5Exception("server chose method 0x" + Integer.toHexString(method) + ", which was not offered");
            }
            case AUTH_STATUS -> {
                if (in.remaining() < 2) yield Step.MORE;
                checkVersion(in.get(), Socks5.AUTH_VERSION);
                int status = in.get() & 0xFF;
                if (status != Socks5.AUTH_STATUS_SUCCESS)
                    throw new Socks5Exception("username/password rejected (status 0x" + Integer.toHexString(status) + ")");
                state = State.REPLY;
                yield new Step.Send(request());
            }
            case REPLY -> {
                // §6: VER REP RSV ATYP BND.ADDR BND.PORT
                if (in.remaining() < 4) yield Step.MORE;
                int start = in.position();
                checkVersion(in.get(), Socks5.VERSION);
                int rep = in.get() & 0xFF;
                in.get(); // RSV
                if (rep != Socks5.REP_SUCCEEDED) throw new Socks5Exception("server replied: " + Socks5.reply(rep));
                Socks5Address a = Socks5Address.parse(in);
                if (a == null) {
                    in.position(start);
                    yield Step.MORE;
                }
                bound = a;
                state = State.DONE;
                yield Step.DONE;
            }
            case DONE -> throw new IllegalStateException("handshake already finished");
        };
    }

    private static void checkVersion(byte got, int expected) throws Socks5Exception {
        if ((got & 0xFF) != expected)
            throw new Socks5Exception("not a SOCKS5 server: version byte 0x" + Integer.toHexString(got & 0xFF));
    }

    /** §4: VER CMD RSV ATYP DST.ADDR DST.PORT. */
    private byte[] request() {
        ByteBuffer b = ByteBuffer.allocate(3 + target.bufferLen());
        b.put((byte) Socks5.VERSION).put((byte) command).put((byte) 0);
        target.emit(b);
        return b.array();
    }

    /** RFC 1929 §2: VER ULEN UNAME PLEN PASSWD. */
    static byte[] authRequest(Socks5Credentials c) {
        byte[] u = c.username().getBytes(StandardCharsets.UTF_8), p = c.password().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(3 + u.length + p.length).put((byte) Socks5.AUTH_VERSION)
                .put((byte) u.length).put(u).put((byte) p.length).put(p).array();
    }
}
