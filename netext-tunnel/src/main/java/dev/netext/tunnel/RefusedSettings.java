package dev.netext.tunnel;

import dev.netext.api.ProviderEvent;
import dev.netext.api.tunnel.ProxySettings;
import dev.netext.api.tunnel.TunnelNetworkSettings;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tunnel settings the host cannot apply, said once so that a profile's load-time error and a provider's runtime
 * {@code setTunnelNetworkSettings} report give the same reason. A setting is never silently dropped: a profile that
 * has one does not load; a provider that sets one at run time gets the rest applied and a {@value #EVENT} event
 * ({@code setting}, {@code reason}, {@code value}).
 */
public final class RefusedSettings {
    /** The event a provider's refused setting publishes (the tunnel's event stream; the daemon's event log). */
    public static final String EVENT = "tunnel.settings-refused";

    /**
     * Why {@code NEProxySettings} is not applied: macOS makes it the proxy of every running app and takes it back when
     * the tunnel goes; Linux has no such setting — {@code http_proxy} and friends reach only processes started after
     * they are set (a login shell, a user session), and can never be taken back from those.
     */
    public static final String PROXY_REASON = "Linux has no system-wide HTTP proxy setting netext could give running"
            + " applications and take back when the tunnel stops (http_proxy and its kin reach only processes started"
            + " afterwards); send flows through a proxy with a top-level 'proxies:' section instead";

    private RefusedSettings() {}

    /** {@code settings} without what the host cannot apply; each refused part is logged and published on {@code to}. */
    static TunnelNetworkSettings applicable(String tunnel, TunnelNetworkSettings settings, TunnelListener to) {
        if (settings.proxy().isEmpty()) return settings;
        Map<String, String> refused = proxy(settings.proxy());
        to.log(tunnel, "proxy " + refused.get("value") + " not applied: " + PROXY_REASON);
        to.published(tunnel, EVENT, refused, ProviderEvent.NO_FLOW);
        return new TunnelNetworkSettings(settings.addresses(), settings.includedRoutes(), settings.excludedRoutes(),
                settings.mtu(), settings.dns(), ProxySettings.NONE);
    }

    /** The attributes of a refused proxy's event. */
    public static Map<String, String> proxy(ProxySettings proxy) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("setting", "proxy");
        a.put("reason", PROXY_REASON);
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
