package dev.netext.api.tunnel;

import java.net.URI;
import java.util.List;

/**
 * HTTP(S) proxy settings a tunnel asks for: {@code NEProxySettings}. Either a PAC URL, or explicit servers with
 * exceptions (host patterns that bypass the proxy).
 */
public record ProxySettings(URI pacUrl, String httpServer, String httpsServer, List<String> exceptions) {
    public static final ProxySettings NONE = new ProxySettings(null, null, null, List.of());

    public ProxySettings {
        exceptions = List.copyOf(exceptions);
    }

    public boolean isEmpty() { return pacUrl == null && httpServer == null && httpsServer == null; }
}
