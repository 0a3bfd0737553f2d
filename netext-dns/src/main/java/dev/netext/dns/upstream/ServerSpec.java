package dev.netext.dns.upstream;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.net.DomainName;
import dev.netext.api.net.IpPrefix;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * One upstream server as a profile or the CLI writes it:
 * <ul>
 *   <li>{@code 10.0.0.53}, {@code 10.0.0.53:5353}, {@code [fd00::53]:53}, {@code fd00::53} — {@link Plain}: UDP,
 *       retried over TCP when the answer is truncated;</li>
 *   <li>{@code udp://10.0.0.53[:53]} — {@link Udp}: the same, spelled out;</li>
 *   <li>{@code tcp://10.0.0.53[:53]} — {@link Tcp}: TCP only (RFC 7766), one reused, pipelined connection;</li>
 *   <li>{@code tls://dns.example@192.0.2.9[:853]} — {@link Tls}: DNS over TLS (RFC 7858), the name checked
 *       against the certificate, the address used to connect (no lookup needed to reach the resolver);</li>
 *   <li>{@code https://dns.example/dns-query} — {@link Https}: DNS over HTTPS (RFC 8484);</li>
 *   <li>{@code system} — {@link SystemResolvers}: the resolvers the host had before netext.</li>
 * </ul>
 * Parsing accepts every form; whether a transport is available is the host's business
 * ({@link UpstreamFactory} says clearly which ones it cannot run yet).
 */
public sealed interface ServerSpec {
    int DNS_PORT = 53;
    int DOT_PORT = 853;

    /** The spec in canonical text form (parses back to an equal spec). */
    String text();

    /** Plain address: UDP, TCP when truncated. */
    record Plain(Endpoint address) implements ServerSpec {
        public String text() { return address.port() == DNS_PORT ? IpPrefix.format(address.address()) : address.toString(); }
    }

    /** {@code udp://}: UDP, TCP when truncated. */
    record Udp(Endpoint address) implements ServerSpec {
        public String text() { return "udp://" + address; }
    }

    /** {@code tcp://}: TCP only. */
    record Tcp(Endpoint address) implements ServerSpec {
        public String text() { return "tcp://" + address; }
    }

    /** {@code tls://NAME@ADDRESS[:PORT]}: DNS over TLS. */
    record Tls(String serverName, Endpoint address) implements ServerSpec {
        public String text() { return "tls://" + serverName + "@" + address; }
    }

    /** {@code https://…}: DNS over HTTPS. */
    record Https(URI uri) implements ServerSpec {
        public String text() { return uri.toString(); }
    }

    /** {@code system}: the host's resolvers before netext (resolv.conf), read when the server starts. */
    record SystemResolvers() implements ServerSpec {
        public String text() { return "system"; }
    }

    /** Parses one server; throws {@link IllegalArgumentException} with a message that quotes the text and says what fits. */
    static ServerSpec parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty server");
        String s = text.strip();
        if (s.equalsIgnoreCase("system")) return new SystemResolvers();
        int scheme = s.indexOf("://");
        if (scheme < 0) return new Plain(endpoint(s, DNS_PORT, text));
        String kind = s.substring(0, scheme).toLowerCase(Locale.ROOT);
        String rest = s.substring(scheme + 3);
        return switch (kind) {
            case "udp" -> new Udp(endpoint(rest, DNS_PORT, text));
            case "tcp" -> new Tcp(endpoint(rest, DNS_PORT, text));
            case "tls" -> {
                int at = rest.lastIndexOf('@');
                if (at <= 0) throw new IllegalArgumentException("'" + text + "': write DNS over TLS as tls://NAME@ADDRESS[:PORT], "
                        + "e.g. tls://dns.example@192.0.2.9:853 (the name is checked against the server's certificate)");
                String name;
                try {
                    name = DomainName.normalize(rest.substring(0, at));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("'" + text + "': '" + rest.substring(0, at) + "' is not a server name");
                }
                yield new Tls(name, endpoint(rest.substring(at + 1), DOT_PORT, text));
            }
            case "https" -> {
                URI uri;
                try {
                    uri = new URI(s);
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException("'" + text + "' is not a URL: " + e.getReason());
                }
                if (uri.getHost() == null || uri.getHost().isEmpty())
                    throw new IllegalArgumentException("'" + text + "': a DNS-over-HTTPS URL needs a host, e.g. https://dns.example/dns-query");
                yield new Https(uri);
            }
            default -> throw new IllegalArgumentException("'" + text + "': unsupported scheme '" + kind + "://'; use an address "
                    + "(10.0.0.53), udp://, tcp://, tls://NAME@ADDRESS:853, https://HOST/dns-query or system");
        };
    }

    private static Endpoint endpoint(String s, int defaultPort, String original) {
        if (s.isEmpty()) throw new IllegalArgumentException("'" + original + "': no address");
        if (s.contains("/")) throw new IllegalArgumentException("'" + original + "': expected ADDRESS[:PORT], not a path or prefix");
        try {
            if (s.startsWith("[")) {
                if (s.endsWith("]")) return new Endpoint(IpPrefix.parseAddress(s.substring(1, s.length() - 1)), defaultPort);
                return Endpoint.parse(s);
            }
            int colons = (int) s.chars().filter(c -> c == ':').count();
            if (colons == 0) return new Endpoint(address(s, original), defaultPort);
            if (colons == 1) return Endpoint.parse(s);
            return new Endpoint(address(s, original), defaultPort); // bare IPv6
        } catch (IllegalArgumentException e) {
            String hint = !s.isEmpty() && Character.isLetter(s.charAt(0)) && !s.contains(":")
                    ? " (servers are given by address; host names would need a resolver to find the resolver)" : "";
            throw new IllegalArgumentException("'" + original + "': " + e.getMessage() + hint);
        }
    }

    private static InetAddress address(String s, String original) {
        try {
            return IpPrefix.parseAddress(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + s + "' is not an IP address");
        }
    }
}
