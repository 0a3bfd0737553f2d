package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.dns.DnsLauncher;
import dev.netext.daemon.profile.Profile;
import dev.netext.dns.server.DnsProxyServer;

import java.util.Map;
import java.util.Optional;

/**
 * A profile's {@code dns:} section under the daemon: the DNS proxy's listeners and upstreams, its queries published
 * as events in the daemon's log. A failure to start (a port in use, say) is reported as an event and a status; the
 * other sections keep running.
 */
final class DnsComponent implements ProfileComponent {
    private final Profile profile;
    private final DaemonServices services;
    private DnsProxyServer server;
    private String lastError;

    private DnsComponent(Profile profile, DaemonServices services) {
        this.profile = profile;
        this.services = services;
    }

    static ComponentFactory factory() {
        return (profile, services) -> profile.dns().isPresent()
                ? Optional.of(new DnsComponent(profile, services)) : Optional.empty();
    }

    @Override public String kind() { return "dns"; }

    @Override
    public synchronized void start() {
        if (server != null) return;
        try {
            server = DnsLauncher.launch(profile, services.events());
            lastError = null;
        } catch (Exception e) {
            lastError = e.getMessage() == null ? e.toString() : e.getMessage();
            services.events().publish((s, t) -> new ProviderEvent.ProviderFailed(s, t, profile.name(),
                    e.getClass().getSimpleName(), lastError, false));
        }
    }

    @Override
    public synchronized void stop(StopReason reason) {
        if (server == null) return;
        server.close();
        server = null;
    }

    @Override
    public synchronized ComponentStatus status() {
        if (server == null)
            return new ComponentStatus(kind(), ProviderStatus.DISCONNECTED, "split-dns", lastError == null ? "" : "failed",
                    0, lastError, Map.of());
        return new ComponentStatus(kind(), ProviderStatus.CONNECTED, "split-dns", "serving on " + server.udpAddresses(),
                0, null, Map.of());
    }
}
