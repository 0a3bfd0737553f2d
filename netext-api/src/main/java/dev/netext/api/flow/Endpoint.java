package dev.netext.api.flow;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * An IP address and port: {@code NWHostEndpoint} / {@code nw_endpoint_t} of type address. Never a name: a flow's
 * hostname, when netext knows it, is in {@link Flow#hostname()}. Port 0 means "any" or "unknown".
 */
public record Endpoint(InetAddress address, int port) {

    public Endpoint {
        if (address == null) throw new IllegalArgumentException("address is null");
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("port " + port + " outside 0..65535");
    }

    /** Parses {@code 1.2.3.4:443}, {@code [fd00::1]:53}; numeric addresses only, no lookup. */
    public static Endpoint parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty endpoint");
        String s = text.strip();
        int colon = s.lastIndexOf(':');
        if (colon < 0 || (s.indexOf(':') != colon && !s.startsWith("[")))
            throw new IllegalArgumentException("'" + text + "' is not ADDRESS:PORT (write IPv6 as [ADDRESS]:PORT)");
        String port = s.substring(colon + 1);
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit))
            throw new IllegalArgumentException("bad port in '" + text + "'");
        return new Endpoint(IpPrefix.parseAddress(s.substring(0, colon)), Integer.parseInt(port));
    }

    public static Endpoint of(InetSocketAddress address) {
        if (address.isUnresolved()) throw new IllegalArgumentException("unresolved address " + address);
        return new Endpoint(address.getAddress(), address.getPort());
    }

    public InetSocketAddress toSocketAddress() { return new InetSocketAddress(address, port); }

    public IpFamily family() { return IpFamily.of(address); }

    @Override
    public String toString() {
        String a = IpPrefix.format(address);
        return (family() == IpFamily.V6 ? "[" + a + "]" : a) + ":" + port;
    }
}
