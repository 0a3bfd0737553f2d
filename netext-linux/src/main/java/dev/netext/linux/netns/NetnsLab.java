package dev.netext.linux.netns;

import dev.netext.api.net.IpPrefix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A disposable set of network namespaces joined by veth pairs: the fixture that integration tests and
 * {@code netext sandbox} build topologies with ("device" behind a TUN, "internet" on the other side of a veth...).
 *
 * <p>Every lab has a random prefix ({@code nx3fa2}); its namespaces are named {@code PREFIX-SHORTNAME}, so labs
 * running at the same time, in one process or several, never collide, and anything left over is recognisably
 * netext's. Namespaces are created with {@code ip netns add}, which does the bookkeeping that makes a namespace
 * nameable and lets it outlive its creator: the shared {@code /run/netns} mount and the bind mount of
 * {@code /proc/self/ns/net} onto {@code /run/netns/NAME}. Reimplementing that with mount(2) would gain nothing.
 *
 * <p><b>Cleanup.</b> {@link #close()} deletes every namespace the lab created (their veths, addresses and routes go
 * with them) and kills the processes started in them. It is idempotent and also runs from a JVM shutdown hook. A lab
 * that never gets to close (kill -9) is cleaned up by the next {@link #create()}, through the {@link LabLedger}.
 */
public final class NetnsLab implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetnsLab.class);
    private static final Pattern SHORT_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");
    /** Per-namespace files {@code ip netns exec} binds over {@code /etc} (ip-netns(8)). */
    static final Path ETC_NETNS = Path.of("/etc/netns");

    private final String prefix;
    private final LabLedger ledger;
    private final Map<String, NetworkNamespace> namespaces = new LinkedHashMap<>();
    private final Set<Process> processes = ConcurrentHashMap.newKeySet();
    private final Thread shutdownHook;
    private boolean closed;

    private NetnsLab(String prefix, LabLedger ledger) {
        this.prefix = prefix;
        this.ledger = ledger;
        this.shutdownHook = Thread.ofPlatform().name("netns lab " + prefix + " cleanup").unstarted(this::close);
    }

    /**
     * Creates an empty lab, after deleting what dead labs left behind ({@link #recoverStale()}). Needs root (or
     * CAP_SYS_ADMIN for the mounts).
     */
    public static NetnsLab create() throws IOException {
        return create(LabLedger.DEFAULT_DIR);
    }

    static NetnsLab create(Path ledgerDir) throws IOException {
        recoverStale(ledgerDir);
        String prefix = freePrefix();
        NetnsLab lab = new NetnsLab(prefix, LabLedger.create(ledgerDir, prefix));
        Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
        log.debug("netns lab {} created", prefix);
        return lab;
    }

    private static String freePrefix() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            String candidate = "nx%04x".formatted(ThreadLocalRandom.current().nextInt(0x10000));
            if (!prefixInUse(candidate)) return candidate;
        }
        throw new IOException("no free lab prefix after 100 attempts; are there thousands of namespaces in /run/netns?");
    }

    private static boolean prefixInUse(String candidate) throws IOException {
        if (!Files.isDirectory(NetworkNamespace.NETNS_DIR)) return false;
        try (var names = Files.list(NetworkNamespace.NETNS_DIR)) {
            return names.anyMatch(p -> p.getFileName().toString().startsWith(candidate + "-"));
        }
    }

    /** The lab's prefix, e.g. {@code nx3fa2}. */
    public String prefix() { return prefix; }

    /** The crash-recovery ledger of this lab. */
    public Path ledgerFile() { return ledger.file(); }

    /**
     * Creates namespace {@code PREFIX-shortName} with its loopback up (a fresh namespace's {@code lo} is down, and
     * much software quietly assumes 127.0.0.1 works).
     *
     * @throws IllegalArgumentException if the lab already has a namespace of that name
     */
    public synchronized NetworkNamespace namespace(String shortName) throws IOException {
        checkOpen();
        if (shortName == null || !SHORT_NAME.matcher(shortName).matches()) {
            throw new IllegalArgumentException("invalid lab namespace name '" + shortName + "': use [a-z0-9_-], at most 40 characters");
        }
        if (namespaces.containsKey(shortName)) throw new IllegalArgumentException("lab " + prefix + " already has namespace " + shortName);
        String full = prefix + "-" + shortName;
        ledger.append(full);
        ProcessRunner.run(List.of("ip", "netns", "add", full), ProcessRunner.DEFAULT_TIMEOUT, null).orThrow();
        NetworkNamespace ns = new NetworkNamespace(full, this::track);
        namespaces.put(shortName, ns);
        ns.linkUp("lo");
        return ns;
    }

    /** The lab namespace {@code shortName}, which must have been created with {@link #namespace(String)}. */
    public synchronized NetworkNamespace get(String shortName) {
        NetworkNamespace ns = namespaces.get(shortName);
        if (ns == null) throw new IllegalArgumentException("lab " + prefix + " has no namespace " + shortName);
        return ns;
    }

    public synchronized List<NetworkNamespace> namespaces() {
        return List.copyOf(namespaces.values());
    }

    /**
     * A veth pair from {@code ns1}/{@code link1} to {@code ns2}/{@code link2}, addressed and up; an address may be null.
     * Example: {@code lab.veth("device", "dev-eth", "10.99.0.2/24", "internet", "inet-eth", "10.99.0.1/24")}.
     */
    public NetnsLab veth(String ns1, String link1, String address1, String ns2, String link2, String address2) throws IOException {
        return veth(VethEnd.of(ns1, link1, address1), VethEnd.of(ns2, link2, address2));
    }

    /**
     * A veth pair between two lab namespaces, each end with all its addresses (IPv6 without duplicate address
     * detection) and up. The ends are created directly in their namespaces with {@code ip link add ... netns}, so they
     * never appear, even briefly, in the host namespace where their names could clash.
     */
    public NetnsLab veth(VethEnd a, VethEnd b) throws IOException {
        NetworkNamespace nsA = get(a.namespace());
        NetworkNamespace nsB = get(b.namespace());
        ProcessRunner.run(List.of("ip", "link", "add", a.link(), "netns", nsA.name(), "type", "veth",
                "peer", "name", b.link(), "netns", nsB.name()), ProcessRunner.DEFAULT_TIMEOUT, null).orThrow();
        configure(nsA, a);
        configure(nsB, b);
        awaitCarrier(nsA, a.link());
        awaitCarrier(nsB, b.link());
        return this;
    }

    /**
     * Waits until a veth end reports carrier ({@code state UP}): the kernel turns carrier on asynchronously (link
     * watch), and until then the device's queue discards what is sent, so a first ping could be lost.
     */
    private static void awaitCarrier(NetworkNamespace ns, String link) throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            String out = ns.ip("-o", "link", "show", "dev", link).output();
            if (out.contains(" state UP ")) return;
            if (System.nanoTime() > deadline) throw new IOException(link + " in " + ns.name() + " has no carrier after 5 s: " + out.strip());
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for " + link + "'s carrier", e);
            }
        }
    }

    private static void configure(NetworkNamespace ns, VethEnd end) throws IOException {
        for (IpPrefix address : end.addresses()) ns.addAddress(end.link(), address);
        ns.linkUp(end.link());
    }

    private void track(Process p) {
        processes.removeIf(q -> !q.isAlive());
        processes.add(p);
    }

    private synchronized void checkOpen() {
        if (closed) throw new IllegalStateException("lab " + prefix + " is closed");
    }

    /**
     * Kills processes started in the lab, deletes its namespaces, then its ledger. Idempotent. If a namespace cannot
     * be deleted, the ledger is kept so that a later lab retries once this process has exited.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // already shutting down: this is the hook running, or the hook will find the lab closed
        }
        for (Process p : processes) p.descendants().forEach(ProcessHandle::destroyForcibly);
        for (Process p : processes) p.destroyForcibly();
        for (Process p : processes) {
            try {
                p.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<String> failures = new ArrayList<>();
        List<NetworkNamespace> all = new ArrayList<>(namespaces.values());
        for (NetworkNamespace ns : all.reversed()) {
            if (!deleteNamespace(ns.name())) failures.add(ns.name());
        }
        try {
            if (failures.isEmpty()) ledger.delete();
            else {
                log.warn("lab {}: could not delete {}; leaving {} for recovery", prefix, failures, ledger.file());
                ledger.abandon();
            }
        } catch (IOException e) {
            log.warn("lab {}: cannot remove ledger {}: {}", prefix, ledger.file(), e.toString());
        }
        log.debug("netns lab {} closed", prefix);
    }

    /**
     * {@code ip netns del NAME}, then the namespace's own {@code /etc/netns/NAME} (files {@code ip netns exec} binds over
     * {@code /etc}, e.g. a hosts file a test or the sandbox wrote); true if the namespace is gone afterwards (or was
     * never created).
     */
    private static boolean deleteNamespace(String name) {
        if (Files.exists(NetworkNamespace.NETNS_DIR.resolve(name))) {
            try {
                ExecResult r = ProcessRunner.run(List.of("ip", "netns", "del", name), Duration.ofSeconds(10), null);
                if (!r.ok()) log.warn("ip netns del {}: {}", name, r.output().strip());
            } catch (IOException e) {
                log.warn("ip netns del {}: {}", name, e.toString());
            }
        }
        boolean gone = !Files.exists(NetworkNamespace.NETNS_DIR.resolve(name));
        if (gone) deleteEtcDir(name);
        return gone;
    }

    /** Removes {@code /etc/netns/NAME} and what is in it; only lab names reach here (see {@link LabLedger}). */
    private static void deleteEtcDir(String name) {
        Path dir = ETC_NETNS.resolve(name);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.deleteIfExists(f);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            log.warn("removing {}: {}", dir, e.toString());
        }
    }

    /**
     * Deletes the namespaces of labs whose process has died, and their ledgers. Ledgers of live labs are left alone;
     * a process whose pid was reused is recognised as dead by its different start time. Called by {@link #create()}.
     *
     * @return the number of namespaces deleted
     */
    public static int recoverStale() throws IOException {
        return recoverStale(LabLedger.DEFAULT_DIR);
    }

    static int recoverStale(Path ledgerDir) throws IOException {
        int deleted = 0;
        for (LabLedger.Entry entry : LabLedger.list(ledgerDir)) {
            if (!entry.ownerDead()) continue;
            boolean allGone = true;
            for (String name : entry.namespaces()) {
                boolean existed = Files.exists(NetworkNamespace.NETNS_DIR.resolve(name));
                if (deleteNamespace(name)) {
                    if (existed) {
                        deleted++;
                        log.info("deleted namespace {} left by dead lab process {}", name, entry.pid());
                    }
                } else {
                    allGone = false;
                }
            }
            if (allGone) LabLedger.remove(entry, ledgerDir);
        }
        return deleted;
    }

    @Override
    public String toString() {
        return "NetnsLab[" + prefix + ", " + namespaces().size() + " namespace(s)]";
    }
}
