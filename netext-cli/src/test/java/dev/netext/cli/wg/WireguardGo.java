package dev.netext.cli.wg;

import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.wireguard.Key;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Debian's wireguard-go in a lab namespace, configured with the real {@code wg} tool. Its UAPI directory
 * ({@code /var/run/wireguard}) is shared by every namespace, so each instance gets a unique name. {@link #close}
 * kills it and removes its socket, whatever happened before.
 */
public final class WireguardGo implements AutoCloseable {
    final NetworkNamespace ns;
    final String name;
    private Process process;

    private WireguardGo(NetworkNamespace ns, String name) {
        this.ns = ns;
        this.name = name;
    }

    public static String uniqueName(String prefix) {
        return prefix + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    }

    /** Starts {@code wireguard-go -f NAME} in {@code ns} and waits for its UAPI socket. */
    public static WireguardGo start(NetworkNamespace ns, String name) throws Exception {
        removeDeadSockets();
        WireguardGo go = new WireguardGo(ns, name);
        go.launch();
        return go;
    }

    Path socket() { return Path.of("/var/run/wireguard", name + ".sock"); }

    /**
     * The sockets of instances a killed test run left (SIGKILL, or a machine stopped mid-run: wireguard-go had no
     * chance to remove its socket, and {@link #close} never ran): names of {@link #uniqueName}'s shape that no process
     * listens on any more. Recovered at the next start, as the labs' namespaces are.
     */
    static void removeDeadSockets() throws IOException {
        Path dir = Path.of("/var/run/wireguard");
        if (!Files.isDirectory(dir)) return;
        try (var sockets = Files.list(dir)) {
            for (Path p : sockets.filter(p -> UNIQUE_SOCKET.matcher(p.getFileName().toString()).matches()).toList()) {
                try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(p))) {
                    // someone listens: a live instance, another test's
                } catch (ConnectException dead) {
                    Files.deleteIfExists(p);
                } catch (IOException other) {
                    // gone meanwhile, or not a socket we may touch: leave it
                }
            }
        }
    }

    private static final Pattern UNIQUE_SOCKET = Pattern.compile("[a-z]+[0-9a-f]{6}\\.sock");

    private void launch() throws Exception {
        process = ns.exec("wireguard-go", "-f", name);
        for (int i = 0; i < 200 && !Files.exists(socket()); i++) {
            if (!process.isAlive()) throw new IllegalStateException("wireguard-go exited: " + new String(process.getInputStream().readAllBytes()));
            Thread.sleep(25);
        }
        if (!Files.exists(socket())) throw new IllegalStateException("wireguard-go " + name + " made no UAPI socket");
    }

    /** {@code wg set NAME ARGS…} in the namespace; throws with wg's output on failure. */
    public void wgSet(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("wg", "set", name));
        cmd.addAll(List.of(args));
        ns.run(cmd.toArray(String[]::new)).orThrow();
    }

    /** Addresses on its TUN device, then up. */
    public void addressAndUp(String... prefixes) throws IOException {
        for (String p : prefixes) {
            if (p.indexOf(':') >= 0) ns.ip("addr", "add", p, "dev", name, "nodad");
            else ns.ip("addr", "add", p, "dev", name);
        }
        ns.linkUp(name);
    }

    public ExecResult show() throws IOException { return ns.run("wg", "show", name); }

    /** Kills the process (its TUN device and socket go with it) and starts a fresh one under the same name. */
    void restart() throws Exception {
        kill();
        launch();
    }

    private void kill() throws InterruptedException, IOException {
        if (process != null && process.isAlive()) {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(socket());
    }

    @Override
    public void close() throws Exception {
        kill();
    }

    /**
     * wireguard-go in {@code ns} as the far end of a one-peer tunnel: private key {@code key} (written to
     * {@code dir/go.key}), listening on 51820, its peer {@code peer} allowed {@code peerInside/32}, the tunnel's own
     * address {@code inside/24}. No endpoint: it answers the peer's handshake.
     */
    public static WireguardGo server(NetworkNamespace ns, Path dir, Key key, Key peer, String peerInside, String inside)
            throws Exception {
        WireguardGo wg = start(ns, uniqueName("wgo"));
        try {
            Path keyFile = keyFile(dir, "go.key", key.toBase64());
            wg.wgSet("private-key", keyFile.toString(), "listen-port", "51820", "peer", peer.publicKey().toBase64(),
                    "allowed-ips", peerInside + "/32");
            wg.addressAndUp(inside + "/24");
            return wg;
        } catch (Exception e) {
            wg.close();
            throw e;
        }
    }

    /**
     * The wg-quick file {@code dir/IFNAME.conf} of the netext end of {@link #server}'s tunnel: its own key and
     * {@code inside/24}, {@code interfaceLines} (e.g. a {@code DNS =} line, or empty), one peer — the server's
     * {@code serverInside/32} at {@code serverOutside:51820}, keepalive 5 s.
     */
    public static Path clientConfig(Path dir, String ifname, Key key, String inside, String interfaceLines, Key server,
                                    String serverInside, String serverOutside) throws IOException {
        return Files.writeString(dir.resolve(ifname + ".conf"), """
                [Interface]
                PrivateKey = %s
                Address = %s/24
                %s
                [Peer]
                PublicKey = %s
                AllowedIPs = %s/32
                Endpoint = %s:51820
                PersistentKeepalive = 5
                """.formatted(key.toBase64(), inside, interfaceLines, server.publicKey().toBase64(), serverInside,
                serverOutside));
    }

    public static Path keyFile(Path dir, String name, String base64) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, base64 + "\n");
        return p;
    }

    static final Duration IPERF_TIME = Duration.ofSeconds(2);
}
