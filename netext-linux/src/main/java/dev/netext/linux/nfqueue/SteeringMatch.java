package dev.netext.linux.nfqueue;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which packets go to the queue: one entry of a profile's {@code packet-filter.match} list. Unset fields match
 * everything. {@code cidr} and {@code port} name the remote side: the destination of outbound and forwarded
 * packets, the source address of inbound ones; {@code port} is always the destination port (for inbound packets,
 * the local service's port).
 *
 * @param direction     which netfilter hook: OUTPUT (locally sent), INPUT (for this host) or FORWARD (routed)
 * @param interfaceName the output interface (out, forward) or input interface (in); null for any
 * @param protocol      {@code tcp}, {@code udp}, {@code icmp} (IPv4), {@code icmpv6}, or null for any
 * @param cidr          remote address prefix, or null for any (it also limits the match to its family)
 * @param port          destination port 1..65535, or 0 for any (needs tcp or udp)
 */
public record SteeringMatch(Direction direction, String interfaceName, String protocol, IpPrefix cidr, int port) {

    /** The netfilter hooks a match can steer from. */
    public enum Direction {
        OUT("OUTPUT"), IN("INPUT"), FORWARD("FORWARD");

        public final String chain;

        Direction(String chain) { this.chain = chain; }

        /** The suffix of netext's chain for this hook. */
        String suffix() { return name().substring(0, Math.min(3, name().length())); }
    }

    public static final List<String> PROTOCOLS = List.of("tcp", "udp", "icmp", "icmpv6");

    public SteeringMatch {
        if (direction == null) throw new IllegalArgumentException("direction is required");
        if (protocol != null) {
            protocol = protocol.toLowerCase(Locale.ROOT);
            if (!PROTOCOLS.contains(protocol)) throw new IllegalArgumentException("protocol '" + protocol + "' is not one of " + PROTOCOLS);
        }
        if (port < 0 || port > 0xFFFF) throw new IllegalArgumentException("port " + port + " outside 1..65535");
        if (port != 0 && !"tcp".equals(protocol) && !"udp".equals(protocol))
            throw new IllegalArgumentException("a port needs protocol tcp or udp");
        if (interfaceName != null && !interfaceName.matches("[A-Za-z0-9_.+-]{1,15}"))
            throw new IllegalArgumentException("interface '" + interfaceName + "' is not a valid interface name");
        if (cidr != null) cidr = cidr.network();
        if ("icmp".equals(protocol) && cidr != null && cidr.family() != IpFamily.V4)
            throw new IllegalArgumentException("protocol icmp is IPv4; use icmpv6 with an IPv6 cidr");
        if ("icmpv6".equals(protocol) && cidr != null && cidr.family() != IpFamily.V6)
            throw new IllegalArgumentException("protocol icmpv6 is IPv6; use icmp with an IPv4 cidr");
    }

    /** Whether this match applies to {@code family} at all. */
    public boolean covers(IpFamily family) {
        if (cidr != null) return cidr.family() == family;
        if ("icmp".equals(protocol)) return family == IpFamily.V4;
        if ("icmpv6".equals(protocol)) return family == IpFamily.V6;
        return true;
    }

    /** The iptables match arguments (no {@code -A}, no target). */
    List<String> iptablesArgs() {
        List<String> a = new ArrayList<>();
        if (interfaceName != null) a.addAll(List.of(direction == Direction.IN ? "-i" : "-o", interfaceName));
        if (protocol != null) a.addAll(List.of("-p", protocol.equals("icmpv6") ? "ipv6-icmp" : protocol));
        if (cidr != null) a.addAll(List.of(direction == Direction.IN ? "-s" : "-d", cidr.toString()));
        if (port != 0) a.addAll(List.of("--dport", Integer.toString(port)));
        return a;
    }
}
