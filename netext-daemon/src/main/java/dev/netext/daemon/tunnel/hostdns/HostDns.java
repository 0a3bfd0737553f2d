package dev.netext.daemon.tunnel.hostdns;

import dev.netext.api.tunnel.DnsSettings;

import java.io.IOException;

/**
 * Where a tunnel's DNS settings ({@code NEDNSSettings}) reach the host's resolver: with match domains only names
 * under them go to the tunnel's servers (split DNS), without them every name does. {@link HostDnsConfigurator}
 * picks one per tunnel when its settings first carry DNS:
 * <ul>
 *   <li>{@link ResolvedHostDns} — systemd-resolved serves this network namespace: the tunnel's link gets the
 *       servers and routing domains over D-Bus;</li>
 *   <li>{@link LoopbackHostDns} — elsewhere: netext's DNS layer answers on {@value LoopbackHostDns#ADDRESS}:53 with
 *       the split rules, and {@code /etc/resolv.conf} points at it (the original restored on stop; after a crash by
 *       the next start or {@code netext diagnose --fix}).</li>
 * </ul>
 */
sealed interface HostDns permits ResolvedHostDns, LoopbackHostDns {

    /** Applies (or replaces) {@code tunnel}'s DNS on link {@code ifindex}. */
    void apply(String tunnel, int ifindex, DnsSettings dns) throws IOException;

    /** Removes {@code tunnel}'s DNS; never throws for what is already gone. */
    void remove(String tunnel, int ifindex);

    /** How it is applied, for the tunnel's log line. */
    String describe();
}
