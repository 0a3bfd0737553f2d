package dev.netext.api.ondemand;

import dev.netext.api.net.DomainName;
import dev.netext.api.net.IpPrefix;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The conditions of an {@link OnDemandRule}: the matching properties of {@code NEOnDemandRule}. Every present
 * condition must hold; within a list, one entry matching is enough. No conditions at all matches every network,
 * including none.
 *
 * @param interfaceName    the primary interface's name: exact, or a prefix ending in {@code *} ({@code wlan*})
 * @param interfaceType    {@code interfaceTypeMatch}
 * @param dnsSearchDomains {@code dnsSearchDomainMatch}: host patterns, see {@link DomainName#matchesPattern}; one
 *                         of the current search domains must match one of them
 * @param dnsServers       {@code dnsServerAddressMatch}, as prefixes: one current resolver must lie in one of them
 * @param probeUrl         {@code probeURL}: an HTTP GET of it must return 200. Probed last, only when every other
 *                         condition holds, because it costs a round trip
 */
public record OnDemandMatch(Optional<String> interfaceName, Optional<InterfaceType> interfaceType,
                            List<String> dnsSearchDomains, List<IpPrefix> dnsServers, Optional<URI> probeUrl) {

    public static final OnDemandMatch ANY = new OnDemandMatch(null, null, List.of(), List.of(), null);

    public OnDemandMatch {
        if (interfaceName == null) interfaceName = Optional.empty();
        if (interfaceType == null) interfaceType = Optional.empty();
        if (probeUrl == null) probeUrl = Optional.empty();
        dnsSearchDomains = dnsSearchDomains.stream().map(DomainName::normalizePattern).toList();
        dnsServers = List.copyOf(dnsServers);
        interfaceName.ifPresent(n -> {
            if (n.isBlank() || n.indexOf('*') >= 0 && n.indexOf('*') != n.length() - 1)
                throw new IllegalArgumentException("interface name '" + n + "': '*' is allowed only at the end");
        });
        probeUrl.ifPresent(u -> {
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()))
                throw new IllegalArgumentException("probe URL must be http or https: " + u);
        });
    }

    public static OnDemandMatch interfaceType(InterfaceType type) {
        return new OnDemandMatch(null, Optional.of(type), List.of(), List.of(), null);
    }

    public static OnDemandMatch dnsSearchDomain(String... patterns) {
        return new OnDemandMatch(null, null, List.of(patterns), List.of(), null);
    }

    public OnDemandMatch withProbeUrl(URI url) {
        return new OnDemandMatch(interfaceName, interfaceType, dnsSearchDomains, dnsServers, Optional.of(url));
    }

    public OnDemandMatch withDnsServers(List<IpPrefix> servers) {
        return new OnDemandMatch(interfaceName, interfaceType, dnsSearchDomains, servers, probeUrl);
    }

    public OnDemandMatch withInterfaceName(String name) {
        return new OnDemandMatch(Optional.of(name), interfaceType, dnsSearchDomains, dnsServers, probeUrl);
    }

    /**
     * Whether the network satisfies every condition. {@code probe} performs the probe-URL check (true for HTTP 200);
     * it is called at most once, and only if everything else matched.
     */
    public boolean matches(NetworkState state, Predicate<URI> probe) {
        if (interfaceName.isPresent()) {
            String want = interfaceName.get();
            String have = state.interfaceName().orElse(null);
            if (have == null) return false;
            boolean ok = want.endsWith("*") ? have.startsWith(want.substring(0, want.length() - 1)) : have.equals(want);
            if (!ok) return false;
        }
        if (interfaceType.isPresent() && !state.interfaceType().equals(interfaceType)) return false;
        if (!dnsSearchDomains.isEmpty() && state.dnsSearchDomains().stream()
                .noneMatch(d -> dnsSearchDomains.stream().anyMatch(p -> DomainName.matchesPattern(d, p)))) return false;
        if (!dnsServers.isEmpty() && state.dnsServers().stream()
                .noneMatch(s -> dnsServers.stream().anyMatch(p -> p.contains(s)))) return false;
        return probeUrl.isEmpty() || probe.test(probeUrl.get());
    }
}
