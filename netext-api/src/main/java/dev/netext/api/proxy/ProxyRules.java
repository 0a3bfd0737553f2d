package dev.netext.api.proxy;

import dev.netext.api.flow.AppRule;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.NetworkRule;

import java.util.List;

/**
 * Which flows a proxy is offered: {@code NETransparentProxyNetworkSettings} (included and excluded network rules)
 * merged with the app rules of an app proxy ({@code NEAppRule}s of its per-app VPN profile).
 *
 * <p>A flow matches when its process matches one of {@code apps} (or {@code apps} is empty), it matches one of
 * {@code included}, and it matches none of {@code excluded}. As in NE, no included rules means no flows: write
 * {@link NetworkRule#any()} to take all.
 *
 * <p>Not {@link dev.netext.api.tunnel.ProxySettings}: that is {@code NEProxySettings}, an HTTP proxy configuration a
 * tunnel publishes for applications to use; these rules choose flows netext itself redirects.
 */
public record ProxyRules(List<NetworkRule> included, List<NetworkRule> excluded, List<AppRule> apps) {

    public static final ProxyRules NONE = new ProxyRules(List.of(), List.of(), List.of());

    public ProxyRules {
        included = List.copyOf(included);
        excluded = List.copyOf(excluded);
        apps = List.copyOf(apps);
    }

    /** All flows of the given apps: the usual app-proxy rules. */
    public static ProxyRules forApps(List<AppRule> apps) {
        if (apps.isEmpty()) throw new IllegalArgumentException("no apps");
        return new ProxyRules(List.of(NetworkRule.any()), List.of(), apps);
    }

    public static ProxyRules including(NetworkRule... rules) {
        return new ProxyRules(List.of(rules), List.of(), List.of());
    }

    public ProxyRules excluding(NetworkRule... rules) {
        return new ProxyRules(included, List.of(rules), apps);
    }

    public boolean matches(Flow flow) {
        if (!apps.isEmpty() && apps.stream().noneMatch(a -> a.matches(flow.process()))) return false;
        if (included.stream().noneMatch(r -> r.matches(flow))) return false;
        return excluded.stream().noneMatch(r -> r.matches(flow));
    }
}
