package dev.netext.daemon.http;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code Host} values a loopback listener answers to: its own port under {@code 127.0.0.1}, {@code localhost} or
 * {@code [::1]}. A page on a DNS-rebound name reaches the port with its own name as Host and is refused, so a local
 * browser cannot be used to read the listener cross-origin.
 */
public final class LoopbackHost {
    private final Set<String> accepted;

    public LoopbackHost(int port) {
        this.accepted = Set.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port);
    }

    /** Whether {@code host} (a Host header's value, may be null) names this listener. */
    public boolean accepts(String host) {
        return host != null && accepted.contains(host.toLowerCase(Locale.ROOT));
    }

    /** {@code http://ADDRESS:PORT}, the address in brackets for IPv6. */
    public static String origin(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
