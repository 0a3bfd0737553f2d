package dev.netext.tunnel;

import dev.netext.api.ProviderEvent;
import dev.netext.api.tunnel.ProxySettings;
import dev.netext.api.tunnel.TunnelNetworkSettings;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tunnel settings a host cannot apply, said once. A setting is never silently dropped: a provider that sets one gets
 * the rest applied and a {@value #EVENT} event ({@code setting}, {@code reason}, {@code value}). Today that is a proxy
 * under a configurator that does not apply proxies ({@link NetworkConfigurator#appliesProxy}: the test kit's; netext's
 * own tunnels publish it to the host's sessions).
 */
public final class RefusedSettings {
    /** The event a provider's refused setting publishes (the tunnel's event stream; the daemon's event log). */
    public static final String EVENT = "tunnel.settings-refused";

    /** Why a proxy is not applied where the configurator cannot. */
    public static final String PROXY_REASON = "this host's network configurator does not apply HTTP proxy settings";

    private RefusedSettings() {}

    /** {@code settings} without what {@code configurator} cannot apply; each refused part is logged and published on {@code to}. */
    static TunnelNetworkSettings applicable(String tunnel, TunnelNetworkSettings settings, NetworkConfigurator configurator,
                                            TunnelListener to) {
        if (settings.proxy().isEmpty() || configurator.appliesProxy()) return settings;
        Map<String, String> refused = proxy(settings.proxy(), configurator.proxyRefusal());
        to.log(tunnel, "proxy " + refused.get("value") + " not applied: " + refused.get("reason"));
        to.published(tunnel, EVENT, refused, ProviderEvent.NO_FLOW);
        return new TunnelNetworkSettings(settings.addresses(), settings.includedRoutes(), settings.excludedRoutes(),
                settings.mtu(), settings.dns(), ProxySettings.NONE);
    }

    /** The attributes of a refused proxy's event. */
    public static Map<String, String> proxy(ProxySettings proxy, String reason) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("setting", "proxy");
        a.put("reason", reason);
        a.put("value", describe(proxy));
        return a;
    }

    /** {@code pac URL}, or {@code http H:P, https H:P}, then {@code except …}: what was asked, for people. */
    public static String describe(ProxySettings p) {
        StringBuilder sb = new StringBuilder();
        if (p.pacUrl() != null) sb.append("pac ").append(p.pacUrl());
        if (p.httpServer() != null) sb.append(sb.isEmpty() ? "" : ", ").append("http ").append(p.httpServer());
        if (p.httpsServer() != null) sb.append(sb.isEmpty() ? "" : ", ").append("https ").append(p.httpsServer());
        if (!p.exceptions().isEmpty()) sb.append(", except ").append(String.join(" ", p.exceptions()));
        return sb.toString();
    }
}
