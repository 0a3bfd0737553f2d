package dev.netext.daemon.dashboard;

import com.sun.net.httpserver.HttpExchange;
import dev.netext.daemon.http.LoopbackHost;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The dashboard's checks on every request, before any handler runs:
 * <ul>
 *   <li>{@code Host} must name the loopback listener itself ({@link LoopbackHost}): a page from a DNS-rebound
 *       name reaches the port with its own name as Host and is refused;</li>
 *   <li>an {@code Origin}, when sent, must be that same origin (no other site's script may call the API);</li>
 *   <li>API requests ({@code /api/…}) must carry the token: {@code Authorization: Bearer TOKEN}, or
 *       {@code ?token=TOKEN} for {@code EventSource}, which cannot set headers.</li>
 * </ul>
 */
final class RequestGuard {
    enum Result { OK, BAD_HOST, BAD_ORIGIN, NO_TOKEN }

    private final DashboardToken token;
    private final LoopbackHost hosts;

    RequestGuard(DashboardToken token, int port) {
        this.token = token;
        this.hosts = new LoopbackHost(port);
    }

    Result check(HttpExchange ex) {
        String host = ex.getRequestHeaders().getFirst("Host");
        if (!hosts.accepts(host)) return Result.BAD_HOST;
        String origin = ex.getRequestHeaders().getFirst("Origin");
        if (origin != null && !origin.equals("http://" + host.toLowerCase(Locale.ROOT))) return Result.BAD_ORIGIN;
        if (ex.getRequestURI().getPath().startsWith("/api/") && !token.matches(presented(ex))) return Result.NO_TOKEN;
        return Result.OK;
    }

    private static String presented(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.startsWith("Bearer ")) return auth.substring(7).strip();
        return queryParam(ex.getRequestURI(), "token");
    }

    static String queryParam(URI uri, String name) {
        String q = uri.getRawQuery();
        if (q == null) return null;
        for (String part : q.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).equals(name)) {
                try {
                    return URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException badEscape) {
                    return null;
                }
            }
        }
        return null;
    }
}
