package dev.netext.daemon.profile;

import dev.netext.api.net.IpPrefix;
import dev.netext.api.ondemand.OnDemandRule;
import dev.netext.api.tunnel.TunnelNetworkSettings;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A validated profile: immutable, and only ever made by {@link ProfileLoader} from a file that had no errors.
 *
 * @param name    the profile's name ({@code name:}, or the file name without {@code .yaml})
 * @param enabled whether the daemon starts it ({@code enabled:}, default true)
 * @param source  the file it was read from
 * @param tunnel  the {@code tunnel:} section, if any
 * @param dns     the {@code dns:} section, if any
 * @param packetFilter the {@code packet-filter:} section, if any
 * @param filter  the {@code filter:} section (flow content filter), if any
 * @param proxies the {@code proxies:} section (ordered transparent/app proxies of the flow layer), if any
 * @param onDemand the {@code on-demand:} rules, in order; empty when the profile has none (then the daemon runs it
 *                 whenever it is enabled)
 * @param memory  the {@code memory:} budget of each of its provider components, if any
 */
public record Profile(String name, boolean enabled, Path source, Optional<TunnelSection> tunnel, Optional<DnsSection> dns,
                      Optional<PacketFilterSection> packetFilter, Optional<FilterSection> filter,
                      Optional<ProxiesSection> proxies, List<OnDemandRule> onDemand, Optional<MemoryBudget> memory) {

    /** A profile without a {@code proxies:} section. */
    public Profile(String name, boolean enabled, Path source, Optional<TunnelSection> tunnel, Optional<DnsSection> dns,
                   Optional<PacketFilterSection> packetFilter, Optional<FilterSection> filter,
                   List<OnDemandRule> onDemand, Optional<MemoryBudget> memory) {
        this(name, enabled, source, tunnel, dns, packetFilter, filter, Optional.empty(), onDemand, memory);
    }

    /** A profile without a {@code filter:} section (the form before the flow layer). */
    public Profile(String name, boolean enabled, Path source, Optional<TunnelSection> tunnel, Optional<DnsSection> dns,
                   Optional<PacketFilterSection> packetFilter, List<OnDemandRule> onDemand, Optional<MemoryBudget> memory) {
        this(name, enabled, source, tunnel, dns, packetFilter, Optional.empty(), onDemand, memory);
    }

    public Profile {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        tunnel = tunnel == null ? Optional.empty() : tunnel;
        dns = dns == null ? Optional.empty() : dns;
        packetFilter = packetFilter == null ? Optional.empty() : packetFilter;
        filter = filter == null ? Optional.empty() : filter;
        proxies = proxies == null ? Optional.empty() : proxies;
        onDemand = onDemand == null ? List.of() : List.copyOf(onDemand);
        memory = memory == null ? Optional.empty() : memory;
    }

    /** A profile without a memory budget. */
    public Profile(String name, boolean enabled, Path source, Optional<TunnelSection> tunnel, Optional<DnsSection> dns,
                   Optional<PacketFilterSection> packetFilter, List<OnDemandRule> onDemand) {
        this(name, enabled, source, tunnel, dns, packetFilter, onDemand, Optional.empty());
    }

    /** A profile with a tunnel section only. */
    public Profile(String name, boolean enabled, Path source, Optional<TunnelSection> tunnel) {
        this(name, enabled, source, tunnel, Optional.empty(), Optional.empty(), List.of());
    }

    /**
     * A short human summary, for {@code netext profiles}: the name and state on the first line, then one indented
     * line per aspect of each section.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(name).append(enabled ? "" : " (disabled)").append(" — ").append(source);
        tunnel.ifPresent(t -> {
            TunnelNetworkSettings s = t.settings();
            sb.append("\n  tunnel: provider ").append(t.provider())
                    .append(", interface ").append(t.interfaceName() == null ? "netextN (first free)" : t.interfaceName())
                    .append(", mtu ").append(s.mtu() == 0 ? TunnelNetworkSettings.DEFAULT_MTU + " (default)" : s.mtu());
            if (!t.options().isEmpty()) sb.append(", ").append(t.options().size()).append(" option(s)");
            sb.append("\n    addresses: ").append(join(s.addresses()));
            sb.append("\n    routes: ").append(join(s.includedRoutes()));
            boolean full = s.includedRoutes().stream().anyMatch(r -> r.length() == 0);
            if (full) sb.append(" (full tunnel").append(t.table().isPresent() ? ", table " + t.table().getAsInt() : "").append(')');
            else t.table().ifPresent(n -> sb.append(" (table ").append(n).append(')'));
            if (!s.excludedRoutes().isEmpty()) sb.append(", excluding ").append(join(s.excludedRoutes()));
            if (!s.dns().isEmpty()) {
                sb.append("\n    dns: ").append(s.dns().servers().stream().map(IpPrefix::format).collect(Collectors.joining(", ")));
                sb.append(s.dns().matchDomains().isEmpty() ? " for all names" : " for " + String.join(", ", s.dns().matchDomains()));
                if (!s.dns().searchDomains().isEmpty()) sb.append(", search ").append(String.join(", ", s.dns().searchDomains()));
            }
            if (!s.proxy().isEmpty()) {
                var p = s.proxy();
                sb.append("\n    proxy: ");
                if (p.pacUrl() != null) sb.append("pac ").append(p.pacUrl());
                else {
                    if (p.httpServer() != null) sb.append("http ").append(p.httpServer());
                    if (p.httpsServer() != null) sb.append(p.httpServer() != null ? ", " : "").append("https ").append(p.httpsServer());
                }
                if (!p.exceptions().isEmpty()) sb.append(", except ").append(String.join(", ", p.exceptions()));
            }
        });
        dns.ifPresent(d -> {
            sb.append("\n  dns: listen ").append(d.listen().stream().map(Object::toString).collect(Collectors.joining(", ")))
                    .append(", ").append(d.servers().size()).append(" server group(s), ").append(d.rules().size()).append(" rule(s), default ")
                    .append(d.defaultGroup()).append(", cache ").append(d.cacheEntries() == 0 ? "off" : d.cacheEntries() + " entries");
            for (var r : d.rules()) sb.append("\n    ").append(r.label());
            for (var l : d.lists()) sb.append("\n    list:").append(l.list()).append(" (").append(l.file()).append(")→block");
        });
        packetFilter.ifPresent(p -> sb.append("\n  packet-filter: provider ").append(p.provider())
                .append(", queue ").append(p.queue()).append(", ").append(p.match().size()).append(" match(es), on-failure ")
                .append(p.failOpen() ? "open" : "closed"));
        memory.ifPresent(m -> sb.append("\n  memory: ").append(m.softBytes() > 0 ? "soft " + m.softBytes() + " B" : "no soft limit")
                .append(", ").append(m.hardBytes() > 0 ? "hard " + m.hardBytes() + " B" : "no hard limit")
                .append(" allocated per ").append(m.window().toMillis()).append(" ms"));
        filter.ifPresent(fs -> sb.append("\n  filter: provider ").append(fs.provider()).append(", ")
                .append(fs.rules().size()).append(" rule(s), default ").append(fs.defaultAction().name().toLowerCase())
                .append(", prompt-timeout ").append(fs.promptTimeout().toMillis()).append(" ms"));
        proxies.ifPresent(ps -> {
            for (var p : ps.proxies()) {
                var m = p.member();
                sb.append("\n  proxy ").append(m.provider()).append(": order ").append(m.order()).append(", ")
                        .append(p.server().type()).append(' ').append(p.server().address())
                        .append(", ").append(m.rules().included().size()).append(" include, ")
                        .append(m.rules().excluded().size()).append(" exclude");
                if (!m.rules().apps().isEmpty()) sb.append(", ").append(m.rules().apps().size()).append(" app rule(s)");
            }
            for (var c : ps.custom()) {
                var m = c.member();
                sb.append("\n  proxy ").append(m.provider()).append(": order ").append(m.order()).append(", class ")
                        .append(c.type()).append(", ").append(m.rules().included().size()).append(" include, ")
                        .append(m.rules().excluded().size()).append(" exclude");
                if (!m.rules().apps().isEmpty()) sb.append(", ").append(m.rules().apps().size()).append(" app rule(s)");
            }
        });
        if (!onDemand.isEmpty()) sb.append("\n  on-demand: ").append(onDemand.size()).append(" rule(s), first: ")
                .append(onDemand.getFirst().getClass().getSimpleName());
        if (tunnel.isEmpty() && dns.isEmpty() && packetFilter.isEmpty() && filter.isEmpty() && proxies.isEmpty())
            sb.append("\n  (no sections)");
        return sb.toString();
    }

    /** Whether the flow layer runs: a {@code filter:} or a {@code proxies:} section needs interception. */
    public boolean interceptsFlows() { return filter.isPresent() || proxies.isPresent(); }

    private static String join(List<IpPrefix> prefixes) {
        return prefixes.isEmpty() ? "none" : prefixes.stream().map(IpPrefix::toString).collect(Collectors.joining(", "));
    }
}
