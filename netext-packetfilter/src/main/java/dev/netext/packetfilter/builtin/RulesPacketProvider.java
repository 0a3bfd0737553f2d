package dev.netext.packetfilter.builtin;

import dev.netext.api.ProviderContext;
import dev.netext.api.filter.ConntrackState;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.StopReason;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The built-in {@code rules} provider: an ordered list of matches, the first that matches decides allow or drop;
 * packets matching none get {@code default} (allow unless set). Decided connections are handed to the kernel's flow
 * cache when {@code decide-flows} is true (the default), so only a connection's first packet reaches user space.
 *
 * <pre>
 * options:
 *   default: allow
 *   decide-flows: true
 *   rules:
 *     - { action: drop, protocol: icmp, destination: 10.0.0.3/32 }
 *     - { action: allow, protocol: udp, port: 53, direction: out }
 * </pre>
 * A rule's keys: {@code action} (allow|drop, required), {@code direction} (in|out), {@code protocol}
 * (tcp|udp|icmp|icmpv6 or a number), {@code source}/{@code destination} (address or CIDR), {@code port} (destination
 * port). Packets that cannot be parsed get the default.
 */
public final class RulesPacketProvider implements FilterPacketProvider {

    /** One parsed rule. */
    public record Rule(boolean drop, Direction direction, int protocol, IpPrefix source, IpPrefix destination, int port) {
        boolean matches(Direction dir, int proto, InetAddress src, InetAddress dst, int dport) {
            if (direction != null && direction != dir) return false;
            if (protocol >= 0 && protocol != proto) return false;
            if (source != null && !source.contains(src)) return false;
            if (destination != null && !destination.contains(dst)) return false;
            return port == 0 || port == dport;
        }
    }

    private volatile List<Rule> rules = List.of();
    private volatile boolean defaultDrop;
    private volatile boolean decideFlows = true;

    @Override
    public void startFilter(ProviderContext context, Map<String, Object> options) {
        Object def = options.getOrDefault("default", "allow");
        defaultDrop = action(def, "default");
        decideFlows = !Boolean.FALSE.equals(options.get("decide-flows"));
        List<Rule> parsed = new ArrayList<>();
        Object list = options.getOrDefault("rules", List.of());
        if (!(list instanceof List<?> l)) throw new IllegalArgumentException("rules: expected a list");
        int i = 0;
        for (Object o : l) {
            if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException("rules[" + i + "]: expected a mapping");
            parsed.add(parse(m, "rules[" + i + "]"));
            i++;
        }
        rules = List.copyOf(parsed);
        context.log("rules: " + parsed.size() + " rule(s), default " + (defaultDrop ? "drop" : "allow"));
    }

    /** Parses one rule mapping; messages name {@code where}. */
    public static Rule parse(Map<?, ?> m, String where) {
        for (Object k : m.keySet()) {
            if (!List.of("action", "direction", "protocol", "source", "destination", "port").contains(String.valueOf(k)))
                throw new IllegalArgumentException(where + ": unknown key '" + k + "'");
        }
        if (!m.containsKey("action")) throw new IllegalArgumentException(where + ": 'action' (allow or drop) is required");
        boolean drop = action(m.get("action"), where + ".action");
        Direction dir = null;
        if (m.get("direction") != null) {
            dir = switch (String.valueOf(m.get("direction")).toLowerCase(Locale.ROOT)) {
                case "in" -> Direction.INBOUND;
                case "out" -> Direction.OUTBOUND;
                default -> throw new IllegalArgumentException(where + ".direction: in or out");
            };
        }
        int proto = -1;
        if (m.get("protocol") != null) {
            String p = String.valueOf(m.get("protocol")).toLowerCase(Locale.ROOT);
            proto = switch (p) {
                case "tcp" -> 6; case "udp" -> 17; case "icmp" -> 1; case "icmpv6" -> 58;
                default -> {
                    try {
                        int n = Integer.parseInt(p);
                        if (n < 0 || n > 255) throw new NumberFormatException();
                        yield n;
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(where + ".protocol: tcp, udp, icmp, icmpv6 or 0..255");
                    }
                }
            };
        }
        IpPrefix src = prefix(m.get("source"), where + ".source"), dst = prefix(m.get("destination"), where + ".destination");
        int port = 0;
        if (m.get("port") != null) {
            try {
                port = Integer.parseInt(String.valueOf(m.get("port")));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) throw new IllegalArgumentException(where + ".port: 1..65535");
        }
        return new Rule(drop, dir, proto, src, dst, port);
    }

    private static IpPrefix prefix(Object v, String where) {
        if (v == null) return null;
        String s = String.valueOf(v);
        try {
            return s.contains("/") ? IpPrefix.parse(s) : IpPrefix.parse(s + (s.contains(":") ? "/128" : "/32"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + ": '" + s + "' is not an address or CIDR");
        }
    }

    private static boolean action(Object v, String where) {
        return switch (String.valueOf(v).toLowerCase(Locale.ROOT)) {
            case "allow" -> false;
            case "drop" -> true;
            default -> throw new IllegalArgumentException(where + ": allow or drop, not '" + v + "'");
        };
    }

    @Override
    public void stopFilter(StopReason reason) { }

    @Override
    public PacketVerdict handle(PacketContext context, ByteBuffer packet) {
        PacketVerdict v = decide(context.direction(), packet);
        if (decideFlows && context.conntrackState() != ConntrackState.UNTRACKED
                && context.conntrackState() != ConntrackState.INVALID) {
            context.markFlowDecided(v);
        }
        return v;
    }

    /** The verdict for one packet (position to limit), by the rules alone. */
    PacketVerdict decide(Direction dir, ByteBuffer p) {
        int o = p.position(), n = p.remaining();
        if (n < 20) return def();
        int version = (p.get(o) >>> 4) & 0xF;
        int proto, hdr;
        byte[] s, d;
        if (version == 4) {
            hdr = (p.get(o) & 0xF) * 4;
            if (hdr < 20 || hdr > n) return def();
            proto = p.get(o + 9) & 0xFF;
            s = new byte[4]; d = new byte[4];
            p.get(o + 12, s); p.get(o + 16, d);
        } else if (version == 6 && n >= 40) {
            hdr = 40;
            proto = p.get(o + 6) & 0xFF;
            s = new byte[16]; d = new byte[16];
            p.get(o + 8, s); p.get(o + 24, d);
        } else {
            return def();
        }
        int dport = (proto == 6 || proto == 17) && n >= hdr + 4 ? p.getShort(o + hdr + 2) & 0xFFFF : 0;
        InetAddress src, dst;
        try {
            src = InetAddress.getByAddress(s);
            dst = InetAddress.getByAddress(d);
        } catch (UnknownHostException e) {
            return def();
        }
        for (Rule r : rules) if (r.matches(dir, proto, src, dst, dport)) return r.drop() ? PacketVerdict.DROP : PacketVerdict.ALLOW;
        return def();
    }

    private PacketVerdict def() { return defaultDrop ? PacketVerdict.DROP : PacketVerdict.ALLOW; }
}
