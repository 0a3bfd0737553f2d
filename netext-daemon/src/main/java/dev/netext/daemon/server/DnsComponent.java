package dev.netext.daemon.server;

import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.dns.DnsLauncher;
import dev.netext.daemon.profile.Profile;
import dev.netext.dns.server.DnsProxyServer;

import java.util.Optional;

/**
 * A profile's {@code dns:} section under the daemon: the DNS proxy's listeners and upstreams, its queries published
 * as events in the daemon's log. A failure to start (a port in use, say) is reported as an event and a status; the
 * other sections keep running.
 */
final class DnsComponent extends EngineComponent<DnsProxyServer> {
    private DnsComponent(Profile profile, DaemonServices services) {
        super(profile, services);
    }

    static ComponentFactory factory() {
        return (profile, services) -> profile.dns().isPresent()
                ? Optional.of(new DnsComponent(profile, services)) : Optional.empty();
    }

    @Override public String kind() { return "dns"; }

    @Override String provider() { return "split-dns"; }

    @Override
    DnsProxyServer launch() throws Exception {
        DnsProxyServer s = DnsLauncher.launch(profile, services.events(), services.flows().flowIds()::incrementAndGet);
        services.flows().dnsNames().add(s.addressNames()); // the flow engines name flows from its answers
        return s;
    }

    @Override
    void close(DnsProxyServer server, StopReason reason) {
        services.flows().dnsNames().remove(server.addressNames());
        server.close();
    }

    @Override String detail(DnsProxyServer server) { return "serving on " + server.udpAddresses(); }
}
