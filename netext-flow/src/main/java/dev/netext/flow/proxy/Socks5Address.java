package dev.netext.flow.proxy;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.net.IpPrefix;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A SOCKS5 address and port (RFC 1928 §4/§5: ATYP, DST.ADDR, DST.PORT): an IP address or a domain name the server
 * resolves. Exactly one of {@code address} and {@code host} is present.
 */
public record Socks5Address(Optional<InetAddress> address, Optional<String> host, int port) {

    public Socks5Address {
        if (address == null) address = Optional.empty();
        if (host == null) host = Optional.empty();
        if (address.isPresent() == host.isPresent()) throw new IllegalArgumentException("give an address or a host");
        if (host.isPresent()) {
            int n = host.get().getBytes(StandardCharsets.US_ASCII).length;
            if (n == 0 || n > Socks5.MAX_DOMAIN_LENGTH || !host.get().chars().allMatch(c -> c > 0x20 && c < 0x7F))
                throw new IllegalArgumentException("'" + host.get() + "' is not a SOCKS5 domain name (1..255 printable ASCII)");
        }
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("port " + port + " outside 0..65535");
    }

    public static Socks5Address of(Endpoint e) { return new Socks5Address(Optional.of(e.address()), null, e.port()); }

    public static Socks5Address of(String host, int port) { return new Socks5Address(null, Optional.of(host), port); }

    /** The unspecified IPv4 address, port 0: "any" in a UDP ASSOCIATE request (§4). */
    public static Socks5Address unspecified() {
        try {
            return new Socks5Address(Optional.of(InetAddress.getByAddress(new byte[4])), null, 0);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The bytes this address takes on the wire. */
    public int bufferLen() {
        return 1 + address.map(a -> a.getAddress().length)
                .orElseGet(() -> 1 + host.get().length()) + 2;
    }

    public void emit(ByteBuffer out) {
        if (address.isPresent()) {
            out.put((byte) (address.get() instanceof Inet4Address ? Socks5.ATYP_IPV4 : Socks5.ATYP_IPV6));
            out.put(address.get().getAddress());
        } else {
            byte[] name = host.get().getBytes(StandardCharsets.US_ASCII);
            out.put((byte) Socks5.ATYP_DOMAINNAME).put((byte) name.length).put(name);
        }
        out.putShort((short) port);
    }

    /**
     * Reads an address at {@code in}'s position. Returns null, position unchanged, when the buffer ends first; throws
     * {@link Socks5Exception} for an unknown ATYP or an empty domain name.
     */
    public static Socks5Address parse(ByteBuffer in) throws Socks5Exception {
        int start = in.position();
        try {
            int atyp = in.get() & 0xFF;
            Socks5Address a = switch (atyp) {
                case Socks5.ATYP_IPV4, Socks5.ATYP_IPV6 -> {
                    byte[] ip = new byte[atyp == Socks5.ATYP_IPV4 ? 4 : 16];
                    in.get(ip);
                    yield new Socks5Address(Optional.of(InetAddress.getByAddress(ip)), null, in.getShort() & 0xFFFF);
                }
                case Socks5.ATYP_DOMAINNAME -> {
                    int len = in.get() & 0xFF;
                    if (len == 0) throw new Socks5Exception("empty domain name");
                    byte[] name = new byte[len];
                    in.get(name);
                    String host = new String(name, StandardCharsets.ISO_8859_1);
                    int port = in.getShort() & 0xFFFF;
                    try {
                        yield of(host, port);
                    } catch (IllegalArgumentException e) {
                        throw new Socks5Exception("bad domain name: " + e.getMessage());
                    }
                }
                default -> throw new Socks5Exception("unknown address type 0x" + Integer.toHexString(atyp));
            };
            return a;
        } catch (BufferUnderflowException e) {
            in.position(start);
            return null;
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // 4 or 16 bytes always make an address
        }
    }

    /** The IP endpoint, when this is an address. */
    public Optional<Endpoint> endpoint() { return address.map(a -> new Endpoint(a, port)); }

    @Override
    public String toString() {
        String a = address.map(x -> x instanceof Inet4Address ? IpPrefix.format(x) : "[" + IpPrefix.format(x) + "]")
                .orElseGet(host::get);
        return a + ":" + port;
    }
}
