package dev.netext.daemon.tunnel.hostproxy;

import dev.netext.api.tunnel.ProxySettings;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.daemon.tunnel.HostSettingConfigurator;
import dev.netext.linux.resolver.ResolvConf;
import dev.netext.linux.state.StateLedger;
import dev.netext.tunnel.NetworkConfigurator;
import dev.netext.tunnel.RefusedSettings;
import dev.netext.tunnel.TunnelDevice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A tunnel's configurator with the host's HTTP proxy added: every {@code setTunnelNetworkSettings} puts the rest in
 * place through {@code next}, then the settings' proxy into the host ({@link HostProxy}: login-session environment
 * and a loopback PAC file), replacing the one before; {@link #clear} takes it away first. A proxy that cannot be
 * written fails the call with the reason, as a bad route does. One case is refused without failing the tunnel,
 * reported through {@code refused} (a {@link RefusedSettings#EVENT} event) once per proxy: a network namespace that
 * shares {@code /etc/profile.d} with the host's (entered without {@code ip netns exec NS} and
 * {@code /etc/netns/NS/profile.d}; {@link ResolvConf#sharedWithOtherNamespaces}), where a proxy of this namespace
 * would be every host session's.
 */
public final class HostProxyConfigurator extends HostSettingConfigurator<ProxySettings> {
    /** The host's {@code /etc}. */
    public static final Path ETC = Path.of("/etc");

    private final Path etc;
    private HostProxy host;

    /**
     * @param report  one line for people (the tunnel's log) when a proxy is applied or refused
     * @param refused the attributes of a {@link RefusedSettings#EVENT} event for a proxy that is not applied
     */
    public HostProxyConfigurator(NetworkConfigurator next, String tunnel, Path stateDir, Path etc, Consumer<String> report,
                                 Consumer<Map<String, String>> refused) {
        super(next, ProxySettings.NONE, tunnel, stateDir, report, refused);
        this.etc = etc;
    }

    /** Deletes what killed instances of this namespace left (their environment files). */
    public static List<StateLedger.Recovery> recover(Path stateDir) throws IOException { return HostProxy.recover(stateDir); }

    @Override protected ProxySettings setting(TunnelNetworkSettings settings) { return settings.proxy(); }

    @Override protected boolean isEmpty(ProxySettings proxy) { return proxy.isEmpty(); }

    @Override
    protected boolean put(TunnelDevice device, ProxySettings proxy) throws IOException {
        Path profileD = etc.resolve("profile.d");
        if (ResolvConf.sharedWithOtherNamespaces(profileD)) {
            Map<String, String> event = RefusedSettings.proxy(proxy, "this network namespace shares " + profileD
                    + " with the host's (run netext through `ip netns exec NS` with /etc/netns/NS/profile.d)");
            report.accept("proxy " + event.get("value") + " not applied: " + event.get("reason"));
            refused.accept(event);
            return true; // refused once: the same proxy again is not reported again
        }
        Path environmentD = etc.resolve("environment.d");
        host = HostProxy.apply(tunnel, proxy, stateDir, etc, Files.isDirectory(environmentD) && !ResolvConf.sharedWithOtherNamespaces(environmentD));
        report.accept("proxy: " + (proxy.pacUrl() != null ? "pac " + proxy.pacUrl() : "PAC on " + host.pacUrl())
                + " and the environment of new login sessions (" + host.files() + ")");
        return true;
    }

    @Override
    protected void takeAway() {
        if (host != null) host.close();
        host = null;
    }

    @Override public boolean appliesProxy() { return true; }
}
