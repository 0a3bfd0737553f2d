package dev.netext.linux.resolver;

import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.ProcessRunner;
import dev.netext.linux.sys.HostPackages;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A link's DNS in systemd-resolved, through its D-Bus API ({@code org.freedesktop.resolve1.Manager}, see
 * {@code org.freedesktop.resolve1(5)}): {@code SetLinkDNS}, {@code SetLinkDomains} ({@code ~domain} = routing only),
 * {@code SetLinkDefaultRoute}, and {@code RevertLink}, which drops all of it.
 *
 * <p>Called through {@code busctl} (package systemd, present wherever resolved is): it speaks D-Bus with its
 * authentication, message framing and error names, a handful of calls at tunnel start and stop, where a fork costs
 * nothing; a D-Bus client of netext's own would be a second implementation of the wire protocol to keep right, and
 * no well-kept Java D-Bus library is among netext's dependencies.
 *
 * <p>Nothing is recorded in a ledger: resolved forgets a link's settings when the link goes, and a tunnel's TUN
 * device goes with its process, {@code kill -9} included.
 */
public final class ResolvedLinks {
    static final String BUS_NAME = "org.freedesktop.resolve1";
    static final String OBJECT = "/org/freedesktop/resolve1";
    static final String MANAGER = "org.freedesktop.resolve1.Manager";
    /** The system bus socket ({@code DBUS_SYSTEM_BUS_ADDRESS} overrides it, as for every D-Bus client). */
    static final Path SYSTEM_BUS = Path.of("/run/dbus/system_bus_socket");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int AF_INET = 2, AF_INET6 = 10;

    private ResolvedLinks() {}

    /**
     * Whether systemd-resolved serves this network namespace: its bus name has an owner on the system bus and that
     * process is in the caller's network namespace (link indexes are per namespace: resolved of another namespace
     * would configure a link of its own that carries our index).
     */
    public static boolean serves() throws IOException {
        if (System.getenv("DBUS_SYSTEM_BUS_ADDRESS") == null && !Files.exists(SYSTEM_BUS)) return false;
        if (!HostPackages.installed("busctl")) return false;
        ExecResult owner = ProcessRunner.run(List.of("busctl", "--system", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                "org.freedesktop.DBus", "GetConnectionUnixProcessID", "s", BUS_NAME), TIMEOUT);
        Optional<Long> pid = parseUint32Reply(owner);
        if (pid.isEmpty()) return false; // no owner: "The name is not activatable" / "has no owner"
        Path ns = Path.of("/proc", Long.toString(pid.get()), "ns", "net");
        try {
            return ((Number) Files.getAttribute(ns, "unix:ino")).longValue() == NetworkNamespace.currentInode();
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code u 1234} → 1234; empty when busctl failed. */
    static Optional<Long> parseUint32Reply(ExecResult r) {
        if (!r.ok()) return Optional.empty();
        String[] f = r.output().strip().split("\\s+");
        if (f.length != 2 || !f[0].equals("u")) return Optional.empty();
        try {
            return Optional.of(Long.parseLong(f[1]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The calls that give link {@code ifindex} {@code servers}: with {@code matchDomains} only names under them go
     * there (routing domains, not the default route); without, every name does ({@code ~.} and the default route).
     * Search domains are plain domains (searched and routed).
     */
    public static List<List<String>> applyCalls(int ifindex, List<InetAddress> servers, List<String> searchDomains,
                                                List<String> matchDomains) {
        List<String> dns = call("SetLinkDNS", "ia(iay)", Integer.toString(ifindex), Integer.toString(servers.size()));
        for (InetAddress a : servers) {
            byte[] b = a.getAddress();
            dns.add(Integer.toString(a instanceof Inet4Address ? AF_INET : AF_INET6));
            dns.add(Integer.toString(b.length));
            for (byte x : b) dns.add(Integer.toString(x & 0xff));
        }
        List<String[]> domains = new ArrayList<>();
        for (String d : searchDomains) domains.add(new String[]{d, "false"});
        if (matchDomains.isEmpty()) domains.add(new String[]{".", "true"});
        for (String d : matchDomains) domains.add(new String[]{d, "true"});
        List<String> setDomains = call("SetLinkDomains", "ia(sb)", Integer.toString(ifindex), Integer.toString(domains.size()));
        for (String[] d : domains) {
            setDomains.add(d[0]);
            setDomains.add(d[1]);
        }
        List<String> defaultRoute = call("SetLinkDefaultRoute", "ib", Integer.toString(ifindex),
                Boolean.toString(matchDomains.isEmpty()));
        return List.of(dns, setDomains, defaultRoute);
    }

    /** The call that drops everything set on link {@code ifindex}. */
    public static List<String> revertCall(int ifindex) {
        return call("RevertLink", "i", Integer.toString(ifindex));
    }

    /** Runs one call from {@link #applyCalls}/{@link #revertCall}; throws with resolved's error text. */
    public static void run(List<String> call) throws IOException {
        ProcessRunner.run(call, TIMEOUT).orThrow();
    }

    private static List<String> call(String method, String signature, String... args) {
        List<String> c = new ArrayList<>(List.of("busctl", "--system", "call", BUS_NAME, OBJECT, MANAGER, method, signature));
        c.addAll(List.of(args));
        return c;
    }
}
