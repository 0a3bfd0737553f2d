package dev.netext.lab.peers;

import dev.netext.linux.netns.NetworkNamespace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Debian's dante SOCKS5 server ({@code danted}) in a lab namespace, as the real peer of the proxy tests: it serves
 * CONNECT and UDP ASSOCIATE (which microsocks lacks) without authentication on {@code internal:1080} to clients in
 * {@code clientNetwork}, and relays out from {@code external}, so the far side sees that address. It runs until the
 * lab closes (the lab kills what its namespaces run); its configuration, pid file and log are in {@code dir}.
 */
public final class Danted {
    public static final Path EXECUTABLE = Path.of("/usr/sbin/danted");
    public static final int PORT = 1080;

    private final Path log;

    private Danted(Path log) {
        this.log = log;
    }

    /** Writes the configuration, starts danted in {@code ns} and waits (≤ 5 s) until it listens. */
    public static Danted start(NetworkNamespace ns, Path dir, String internal, String external, String clientNetwork)
            throws IOException, InterruptedException {
        Path conf = dir.resolve("danted.conf"), pid = dir.resolve("danted.pid"), log = dir.resolve("danted.log");
        Files.writeString(conf, """
                logoutput: stderr
                internal: %s port = %d
                external: %s
                socksmethod: none
                clientmethod: none
                user.privileged: root
                user.unprivileged: nobody
                client pass { from: %s to: 0.0.0.0/0 }
                socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 command: udpassociate udpreply connect }
                """.formatted(internal, PORT, external, clientNetwork));
        ns.exec("sh", "-c", "exec " + EXECUTABLE + " -f '" + conf + "' -p '" + pid + "' > '" + log + "' 2>&1");
        for (int i = 0; i < 100; i++) {
            if (ns.run("ss", "-Htln", "sport = :" + PORT).output().contains(":" + PORT)) return new Danted(log);
            Thread.sleep(50);
        }
        throw new IOException("danted on " + internal + ":" + PORT + " did not start:\n" + Files.readString(log));
    }

    /** What danted has logged so far (for a failing test's message). */
    public String log() throws IOException { return Files.exists(log) ? Files.readString(log) : ""; }
}
