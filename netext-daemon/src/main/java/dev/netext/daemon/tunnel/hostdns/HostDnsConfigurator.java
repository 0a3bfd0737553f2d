package dev.netext.daemon.tunnel.hostdns;

import dev.netext.api.tunnel.DnsSettings;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.daemon.tunnel.HostSettingConfigurator;
import dev.netext.linux.resolver.ResolvConf;
import dev.netext.linux.resolver.ResolvedLinks;
import dev.netext.tunnel.NetworkConfigurator;
import dev.netext.tunnel.RefusedSettings;
import dev.netext.tunnel.TunnelDevice;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A tunnel's configurator with the host's resolver added: every {@code setTunnelNetworkSettings} — the profile's
 * settings a provider applies at start, and any it applies later — puts the links and routes in place through
 * {@code links}, then the settings' DNS into the host ({@link HostDns}); {@link #clear} takes the DNS away first.
 * So every tunnel gets it the same way: built-in or custom provider, {@code netext up}, {@code netext wg up}, the
 * daemon.
 *
 * <p>DNS that cannot be applied fails the call, with the reason, as a bad route does — a tunnel whose names would
 * leak to the old resolver is not silently "up". Two cases are refused without failing the tunnel, reported through
 * {@code refused} (a {@link RefusedSettings#EVENT} event) at every apply: search domains without a server, and a
 * network namespace that shares {@code /etc/resolv.conf} with the host's (netext in a namespace entered without
 * {@code ip netns exec NS} and {@code /etc/netns/NS/resolv.conf}), where no resolver of this namespace can be named
 * without breaking every other namespace's names.
 */
public final class HostDnsConfigurator extends HostSettingConfigurator<DnsSettings> {
    private HostDns target;

    /**
     * @param report  one line for people (the tunnel's log) when DNS is applied or refused
     * @param refused the attributes of a {@link RefusedSettings#EVENT} event for DNS that is not applied
     */
    public HostDnsConfigurator(NetworkConfigurator links, String tunnel, Path stateDir, Consumer<String> report,
                               Consumer<Map<String, String>> refused) {
        super(links, DnsSettings.NONE, tunnel, stateDir, report, refused);
    }

    @Override protected DnsSettings setting(TunnelNetworkSettings settings) { return settings.dns(); }

    @Override protected boolean isEmpty(DnsSettings dns) { return dns.isEmpty(); }

    /** The servers are the tunnel link's (resolved's per-link DNS): a new device needs them again. */
    @Override protected boolean followsDevice() { return true; }

    @Override
    protected boolean put(TunnelDevice device, DnsSettings dns) throws IOException {
        if (dns.servers().isEmpty()) {
            refuse(dns, "search domains " + dns.searchDomains() + " without a server");
            return false;
        }
        HostDns host = choose();
        if (host == null) {
            refuse(dns, "this network namespace shares " + ResolvConf.SYSTEM + " with the host's (run netext through"
                    + " `ip netns exec NS` with /etc/netns/NS/resolv.conf)");
            return false;
        }
        host.apply(tunnel, device.index(), dns);
        target = host;
        report.accept("dns: " + (dns.matchDomains().isEmpty() ? "all names" : String.join(", ", dns.matchDomains()))
                + " via " + dns.servers().stream().map(a -> a.getHostAddress()).toList() + " through " + host.describe());
        return true;
    }

    @Override
    protected void takeAway() {
        if (target != null) target.remove(tunnel, appliedIfindex());
        target = null;
    }

    private HostDns choose() throws IOException {
        if (ResolvedLinks.serves()) return new ResolvedHostDns();
        if (ResolvConf.sharedWithOtherNamespaces(ResolvConf.SYSTEM)) return null;
        return LoopbackHostDns.shared(stateDir);
    }

    private void refuse(DnsSettings dns, String reason) {
        report.accept("dns: not applied to the host: " + reason);
        Map<String, String> event = new LinkedHashMap<>();
        event.put("setting", "dns");
        event.put("reason", reason);
        event.put("value", "servers " + dns.servers().stream().map(a -> a.getHostAddress()).toList()
                + ", search " + dns.searchDomains() + ", match " + dns.matchDomains());
        refused.accept(event);
    }
}
