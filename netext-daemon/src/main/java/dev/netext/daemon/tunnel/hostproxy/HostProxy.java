package dev.netext.daemon.tunnel.hostproxy;

import com.sun.net.httpserver.HttpServer;
import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.ProxySettings;
import dev.netext.daemon.http.LoopbackHost;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One tunnel's HTTP proxy settings ({@code NEProxySettings}) given to the host the way Linux configures proxies: the
 * environment of the sessions started while the tunnel is up, and a PAC file on loopback.
 *
 * <pre>
 *   apply:  recover dead PROXY ledgers → ledger → serve the PAC on 127.0.0.1:PORT/proxy.pac (explicit servers)
 *           → each file recorded in the ledger, then written:
 *               ETC/profile.d/netext-proxy-TUNNEL.sh          login shells (bash -l, su -, ssh)
 *               ETC/environment.d/60-netext-proxy-TUNNEL.conf systemd user sessions (where the directory exists)
 *   close:  files deleted → PAC server stopped → ledger closed     (kill -9: the next apply, or diagnose --fix)
 * </pre>
 *
 * The variables are the ones clients read: {@code http_proxy}, {@code https_proxy}, {@code no_proxy} (curl, wget,
 * apt, pip, most language runtimes; both cases; the exceptions plus loopback), and {@code auto_proxy}, the PAC URL
 * (Chromium and libproxy). They
 * reach processes started after they are written; running ones keep their environment — the limit of Linux's
 * proxy configuration, which has no system-wide switch as macOS has.
 */
final class HostProxy implements AutoCloseable {
    static final String PAC_PATH = "/proxy.pac";
    static final String PAC_TYPE = "application/x-ns-proxy-autoconfig";

    private final StateLedger ledger;
    private final List<Path> written = new ArrayList<>();
    private HttpServer pacServer;

    private HostProxy(StateLedger ledger) {
        this.ledger = ledger;
    }

    /**
     * Publishes {@code proxy} for {@code tunnel}.
     *
     * @param etc          {@code /etc}, or a test's stand-in
     * @param environmentD whether to write {@code etc/environment.d} (it exists, and is this namespace's own)
     * @throws IOException a value that cannot be written safely (a control character), or a file that cannot be
     */
    static HostProxy apply(String tunnel, ProxySettings proxy, Path stateDir, Path etc, boolean environmentD)
            throws IOException {
        Map<String, String> env = environment(proxy, null); // checks the values before anything is made
        recover(stateDir);
        HostProxy h = new HostProxy(StateLedger.create(stateDir, LedgerKind.PROXY));
        try {
            String pacUrl = proxy.pacUrl() != null ? proxy.pacUrl().toString() : h.servePac(pac(proxy));
            env = environment(proxy, pacUrl);
            String name = "netext-proxy-" + tunnel.replaceAll("[^A-Za-z0-9_.-]", "_");
            h.write(etc.resolve("profile.d").resolve(name + ".sh"), shell(tunnel, env));
            if (environmentD) h.write(etc.resolve("environment.d").resolve("60-" + name + ".conf"), environmentD(tunnel, env));
            return h;
        } catch (IOException | RuntimeException e) {
            h.close();
            throw e;
        }
    }

    /** Where the PAC is served, or null when the settings named a PAC URL of their own. */
    String pacUrl() {
        return pacServer == null ? null : LoopbackHost.origin(pacServer.getAddress()) + PAC_PATH;
    }

    /** The files written, in order. */
    List<Path> files() { return List.copyOf(written); }

    @Override
    public void close() {
        for (Path p : written.reversed()) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new IllegalStateException(p + ": " + e.getMessage(), e);
            }
        }
        written.clear();
        if (pacServer != null) pacServer.stop(0);
        pacServer = null;
        ledger.close();
    }

    /** Deletes the files of dead instances of this namespace: the next apply, and {@code diagnose --fix}. */
    static List<StateLedger.Recovery> recover(Path stateDir) throws IOException {
        return StateLedger.recover(stateDir, LedgerKind.PROXY, e -> {
            if (e.kind().equals(StateLedger.FILE_KIND)) Files.deleteIfExists(Path.of(e.require("path")));
        });
    }

    private void write(Path file, String content) throws IOException {
        ledger.record(LedgerEntry.of(StateLedger.FILE_KIND, "path", file.toAbsolutePath().toString()));
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        written.add(file);
    }

    /** A loopback HTTP server answering GET /proxy.pac with {@code pac}, its Host checked as the dashboard's is. */
    private String servePac(String pac) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        LoopbackHost host = new LoopbackHost(s.getAddress().getPort());
        byte[] body = pac.getBytes(StandardCharsets.UTF_8);
        s.createContext(PAC_PATH, x -> {
            try (x) {
                int status = !host.accepts(x.getRequestHeaders().getFirst("Host")) ? 421
                        : !x.getRequestMethod().equals("GET") && !x.getRequestMethod().equals("HEAD") ? 405
                        : !x.getRequestURI().getPath().equals(PAC_PATH) ? 404 : 200;
                if (status != 200) {
                    x.sendResponseHeaders(status, -1);
                    return;
                }
                x.getResponseHeaders().set("Content-Type", PAC_TYPE);
                x.getResponseHeaders().set("Cache-Control", "no-store");
                x.sendResponseHeaders(200, x.getRequestMethod().equals("HEAD") ? -1 : body.length);
                if (x.getRequestMethod().equals("GET")) {
                    try (OutputStream out = x.getResponseBody()) {
                        out.write(body);
                    }
                }
            }
        });
        s.setExecutor(null); // the server's own thread: one small file
        s.start();
        pacServer = s;
        return pacUrl();
    }

    /** The variables, lower-case names (the files give both cases); {@code pacUrl} null: only checks the values. */
    static Map<String, String> environment(ProxySettings p, String pacUrl) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        if (p.httpServer() != null) env.put("http_proxy", "http://" + p.httpServer() + "/");
        if (p.httpsServer() != null) env.put("https_proxy", "http://" + p.httpsServer() + "/");
        if (p.httpServer() != null || p.httpsServer() != null) { // loopback never through the proxy: the PAC is there
            List<String> direct = new ArrayList<>(p.exceptions().stream().map(HostProxy::noProxyEntry).toList());
            direct.addAll(List.of("localhost", "127.0.0.1", "::1"));
            env.put("no_proxy", String.join(",", direct));
        }
        if (pacUrl != null) env.put("auto_proxy", pacUrl);
        for (var e : env.entrySet()) {
            if (e.getValue().chars().anyMatch(c -> c < 0x21 || c == 0x7f || c == '\'' || c == '"' || c == '\\'))
                throw new IOException("proxy setting " + e.getKey() + " '" + e.getValue() + "' has a character an environment file cannot carry");
        }
        return env;
    }

    /** An NE exception as no_proxy takes it: {@code *.lan} → {@code .lan} (curl: the domain and under), others as given. */
    static String noProxyEntry(String exception) {
        return exception.startsWith("*.") ? exception.substring(1) : exception;
    }

    /**
     * FindProxyForURL: exceptions DIRECT ({@code shExpMatch} for names and patterns, {@code isInNet} for IPv4
     * prefixes), https URLs to the https server, the rest to the http server; a scheme without a server DIRECT.
     */
    static String pac(ProxySettings p) {
        StringBuilder b = new StringBuilder("// netext: the proxy settings of a tunnel, served while it is up\n")
                .append("function FindProxyForURL(url, host) {\n");
        for (String e : p.exceptions()) {
            IpPrefix net = prefix(e);
            if (net != null && net.family() == IpFamily.V4) {
                b.append("  if (isInNet(host, \"").append(IpPrefix.format(net.address())).append("\", \"")
                        .append(mask(net.length())).append("\")) return \"DIRECT\";\n");
            } else {
                b.append("  if (shExpMatch(host, \"").append(e).append("\")) return \"DIRECT\";\n");
            }
        }
        b.append("  if (url.substring(0, 6) == \"https:\") return \"")
                .append(p.httpsServer() == null ? "DIRECT" : "PROXY " + p.httpsServer()).append("\";\n")
                .append("  if (url.substring(0, 5) == \"http:\") return \"")
                .append(p.httpServer() == null ? "DIRECT" : "PROXY " + p.httpServer()).append("\";\n")
                .append("  return \"DIRECT\";\n}\n");
        return b.toString();
    }

    private static IpPrefix prefix(String s) {
        try {
            return IpPrefix.parse(s).network();
        } catch (IllegalArgumentException notAnAddress) {
            return null;
        }
    }

    private static String mask(int length) {
        long m = length == 0 ? 0 : (0xFFFF_FFFFL << (32 - length)) & 0xFFFF_FFFFL;
        return (m >>> 24) + "." + ((m >>> 16) & 255) + "." + ((m >>> 8) & 255) + "." + (m & 255);
    }

    private static String shell(String tunnel, Map<String, String> env) {
        StringBuilder b = new StringBuilder("# Written by netext while tunnel " + tunnel + " is up (its proxy settings);"
                + " removed when it stops.\n");
        env.forEach((k, v) -> b.append("export ").append(k).append("='").append(v).append("' ")
                .append(k.toUpperCase(Locale.ROOT)).append("='").append(v).append("'\n"));
        return b.toString();
    }

    private static String environmentD(String tunnel, Map<String, String> env) {
        StringBuilder b = new StringBuilder("# Written by netext while tunnel " + tunnel + " is up; removed when it stops.\n");
        env.forEach((k, v) -> b.append(k).append('=').append(v).append('\n')
                .append(k.toUpperCase(Locale.ROOT)).append('=').append(v).append('\n'));
        return b.toString();
    }
}
