package dev.netext.lab.peers;

import dev.netext.linux.netns.NetworkNamespace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * unbound in a lab namespace as a real DNS server: in the foreground, without chroot, syslog or pid file, the
 * iterator module only (it answers from its local zones and forwards, it never recurses from the root), writing
 * nothing outside the test's directory. It runs until the lab closes or the returned process is destroyed.
 */
public final class Unbound {
    public static final String EXECUTABLE = "/usr/sbin/unbound";

    private Unbound() {}

    /**
     * The {@code server:} lines every lab unbound shares (two-space indented, to follow a {@code server:} line):
     * foreground, no chroot, pid file or syslog, files under {@code dir}, iterator only, queries from
     * {@code clients} (a prefix such as {@code 10.53.0.0/16}) allowed.
     */
    public static String basics(Path dir, String clients) {
        return """
                  do-daemonize: no
                  username: ""
                  chroot: ""
                  directory: "%s"
                  pidfile: ""
                  use-syslog: no
                  logfile: ""
                  access-control: %s allow
                  module-config: "iterator"
                """.formatted(dir, clients);
    }

    /**
     * Writes {@code dir/unbound.conf} — {@link #basics} and then {@code serverLines} (interfaces, zones; two-space
     * indented) under {@code server:} — and starts unbound on it in {@code ns}. It does not wait: ask it (e.g.
     * {@link Dnsmasq#awaitServing}) before relying on it.
     */
    public static Process start(NetworkNamespace ns, Path dir, String clients, String serverLines) throws IOException {
        Path conf = dir.resolve("unbound.conf");
        Files.writeString(conf, "server:\n" + basics(dir, clients) + serverLines);
        return ns.exec(EXECUTABLE, "-d", "-c", conf.toString());
    }
}
