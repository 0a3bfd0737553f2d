package dev.netext.daemon.server;

import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.dns.DnsLauncher;
import dev.netext.daemon.profile.DnsSection;
import dev.netext.daemon.profile.Profile;
import dev.netext.dns.server.DnsProxyServer;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * A profile's {@code dns:} section under the daemon: the DNS proxy's listeners and upstreams, its queries published
 * as events in the daemon's log. A failure to start (a port in use, say) or a provider failing later is a crash of
 * the provider, reported and restarted with back-off; the other sections keep running.
 */
final class DnsComponent extends EngineComponent<DnsProxyServer> {
    private final Function<DnsSection, DnsProxyProvider> providers;

    private DnsComponent(Profile profile, DaemonServices services) {
        this(profile, services, DnsLauncher::splitDns);
    }

    /** With another provider than the built-in split-DNS one: a profile cannot name one, a test can. */
    DnsComponent(Profile profile, DaemonServices services, Function<DnsSection, DnsProxyProvider> providers) {
        super(profile, services);
        this.providers = providers;
    }

    static ComponentFactory factory() {
        return (profile, services) -> profile.dns().isPresent()
                ? Optional.of(new DnsComponent(profile, services)) : Optional.empty();
    }

    @Override public String kind() { return "dns"; }

    @Override String provider() { return "split-dns"; }

    @Override
    DnsProxyServer launch() throws Exception {
        DnsProxyServer s = DnsLauncher.launch(profile, services.events(), services.flows().flowIds()::incrementAndGet, providers);
        services.flows().dnsNames().add(s.addressNames()); // the flow engines name flows from its answers
        return s;
    }

    @Override
    void close(DnsProxyServer server, StopReason reason) {
        services.flows().dnsNames().remove(server.addressNames());
        server.close();
    }

    @Override String detail(DnsProxyServer server) { return "serving on " + server.udpAddresses(); }

    @Override
    public Map<String, MessageTarget> messageTargets() {
        return Map.of(kind(), (data, timeout) -> askProvider(DnsProxyServer::provider, data, timeout));
    }

    /** A provider loop that throws, or a provider that cancels itself, ends the server: a crash, restarted. */
    @Override Callable<Throwable> ending(DnsProxyServer server) { return server::awaitTermination; }
}
