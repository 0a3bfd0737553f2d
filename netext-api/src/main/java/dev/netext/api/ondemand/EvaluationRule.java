package dev.netext.api.ondemand;

import dev.netext.api.net.DomainName;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * One domain rule inside {@link OnDemandRule.EvaluateConnection}: {@code NEEvaluateConnectionRule}.
 *
 * @param domains            names this rule covers, each with everything under it ({@link DomainName#isWithin})
 * @param action             {@code connectIfNeeded} or {@code neverConnect}
 * @param requiredDnsServers for {@link Action#CONNECT_IF_NEEDED}: resolve the name with these servers first, and
 *                           connect only if that fails ({@code useDNSServers})
 * @param requiredUrlProbe   for {@link Action#CONNECT_IF_NEEDED}: connect only if this URL is not reachable
 *                           ({@code probeURL})
 */
public record EvaluationRule(List<String> domains, Action action, List<InetAddress> requiredDnsServers,
                             Optional<URI> requiredUrlProbe) {

    public enum Action {
        /** Bring the connection up for these names if they do not resolve or the probe fails. */
        CONNECT_IF_NEEDED,
        /** Never bring the connection up for these names (but use it if it is already up). */
        NEVER_CONNECT
    }

    public EvaluationRule {
        domains = domains.stream().map(DomainName::normalize).toList();
        if (domains.isEmpty()) throw new IllegalArgumentException("an evaluation rule needs at least one domain");
        if (action == null) throw new IllegalArgumentException("action is null");
        requiredDnsServers = List.copyOf(requiredDnsServers);
        if (requiredUrlProbe == null) requiredUrlProbe = Optional.empty();
        if (action == Action.NEVER_CONNECT && (!requiredDnsServers.isEmpty() || requiredUrlProbe.isPresent()))
            throw new IllegalArgumentException("DNS servers and probe URL apply only to CONNECT_IF_NEEDED");
    }

    public static EvaluationRule connectIfNeeded(String... domains) {
        return new EvaluationRule(List.of(domains), Action.CONNECT_IF_NEEDED, List.of(), null);
    }

    public static EvaluationRule neverConnect(String... domains) {
        return new EvaluationRule(List.of(domains), Action.NEVER_CONNECT, List.of(), null);
    }

    public boolean covers(String hostname) {
        return domains.stream().anyMatch(d -> DomainName.isWithin(hostname, d));
    }
}
