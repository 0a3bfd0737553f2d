package dev.netext.daemon.profile;

import dev.netext.api.net.IpPrefix;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.linux.nfqueue.SteeringMatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The {@code packet-filter:} section: provider, queue, match, on-failure, options. */
final class PacketFilterSectionParser implements SectionParser<PacketFilterSection> {

    static final List<String> KEYS = List.of("provider", "queue", "match", "on-failure", "options");
    static final List<String> MATCH_KEYS = List.of("direction", "interface", "protocol", "cidr", "port");

    @Override public String key() { return "packet-filter"; }

    @Override
    public PacketFilterSection parse(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, KEYS);
        if (f == null) return null;

        YamlNode providerNode = f.require("provider", "name the built-in 'rules' or a Java class implementing FilterPacketProvider");
        String provider = checks.string(providerNode, f.path("provider"));
        if (provider != null) {
            provider = provider.strip();
            String problem = ProviderResolver.syntaxProblem(provider);
            if (problem != null) checks.error(providerNode, f.path("provider"), problem);
        }

        Long queue = checks.integer(f.require("queue", "pick a netfilter queue number, 0..65535"), f.path("queue"), "queue", 0, 65535);

        List<SteeringMatch> matches = new ArrayList<>();
        YamlNode matchNode = f.require("match", "say which packets reach the filter, e.g. [{ direction: out, protocol: udp, port: 9999 }]");
        List<YamlNode> items = checks.list(matchNode, f.path("match"));
        if (items != null && items.isEmpty() && matchNode != null)
            checks.error(matchNode, f.path("match"), "is empty: no packet would reach the filter");
        if (items != null) {
            for (int i = 0; i < items.size(); i++) {
                SteeringMatch m = match(items.get(i), f.path("match") + "[" + i + "]", checks);
                if (m != null) matches.add(m);
            }
        }

        boolean failOpen = true;
        YamlNode failNode = f.get("on-failure");
        if (failNode != null) {
            String v = checks.string(failNode, f.path("on-failure"));
            if (v != null) {
                switch (v.strip().toLowerCase(Locale.ROOT)) {
                    case "open" -> failOpen = true;
                    case "closed" -> failOpen = false;
                    default -> checks.error(failNode, f.path("on-failure"), "'" + v + "' is neither open nor closed");
                }
            }
        }

        Map<String, Object> options = checks.mapping(f.get("options"), f.path("options"), "provider options");

        if (checks.errorCount() > before || provider == null || queue == null) return null;
        return new PacketFilterSection(provider, queue.intValue(), matches, failOpen, options);
    }

    private static SteeringMatch match(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, MATCH_KEYS);
        if (f == null) return null;
        SteeringMatch.Direction direction = SteeringMatch.Direction.OUT;
        YamlNode d = f.get("direction");
        if (d != null) {
            String v = checks.string(d, f.path("direction"));
            if (v != null) {
                switch (v.strip().toLowerCase(Locale.ROOT)) {
                    case "out" -> direction = SteeringMatch.Direction.OUT;
                    case "in" -> direction = SteeringMatch.Direction.IN;
                    case "forward" -> direction = SteeringMatch.Direction.FORWARD;
                    default -> checks.error(d, f.path("direction"), "'" + v + "' is not in, out or forward");
                }
            }
        }
        String iface = f.get("interface") == null ? null : checks.string(f.get("interface"), f.path("interface"));
        if (iface != null) {
            String problem = TunnelSectionParser.interfaceNameProblem(iface);
            if (problem != null) checks.error(f.get("interface"), f.path("interface"), "'" + iface + "' " + problem);
        }
        String protocol = f.get("protocol") == null ? null : checks.string(f.get("protocol"), f.path("protocol"));
        if (protocol != null && !SteeringMatch.PROTOCOLS.contains(protocol.toLowerCase(Locale.ROOT)))
            checks.error(f.get("protocol"), f.path("protocol"), "'" + protocol + "' is not one of " + String.join(", ", SteeringMatch.PROTOCOLS));
        IpPrefix cidr = null;
        YamlNode c = f.get("cidr");
        if (c != null) {
            String v = checks.string(c, f.path("cidr"));
            if (v != null) {
                try {
                    cidr = v.contains("/") ? IpPrefix.parse(v.strip()) : IpPrefix.parse(v.strip() + (v.contains(":") ? "/128" : "/32"));
                } catch (RuntimeException e) {
                    checks.error(c, f.path("cidr"), "'" + v + "' is not an address or CIDR");
                }
            }
        }
        Long port = f.get("port") == null ? Long.valueOf(0) : checks.integer(f.get("port"), f.path("port"), "port", 1, 65535);
        if (checks.errorCount() > before || port == null) return null;
        try {
            return new SteeringMatch(direction, iface, protocol, cidr, port.intValue());
        } catch (IllegalArgumentException e) {
            checks.error(node, path, e.getMessage());
            return null;
        }
    }
}
