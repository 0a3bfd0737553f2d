package dev.netext.linux.netns;

import dev.netext.linux.Root;
import dev.netext.linux.sys.ProcessInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NetnsLabTest {
    @BeforeAll
    static void root() {
        Root.assumeRoot();
    }

    @Test
    void vethPairConnectsTwoNamespacesOverIpv4AndIpv6() throws Exception {
        NetworkNamespace a, b;
        Path ledger;
        try (NetnsLab lab = NetnsLab.create()) {
            assertThat(lab.prefix()).matches("nx[0-9a-f]{4}");
            a = lab.namespace("a");
            b = lab.namespace("b");
            assertThat(a.name()).isEqualTo(lab.prefix() + "-a");
            lab.veth(VethEnd.of("a", "a-eth", "10.98.0.1/24", "fd98::1/64"), VethEnd.of("b", "b-eth", "10.98.0.2/24", "fd98::2/64"));

            assertThat(a.run("ping", "-c", "1", "-w", "5", "10.98.0.2").output()).contains("1 received");
            assertThat(a.run("ping", "-6", "-c", "1", "-w", "5", "fd98::2").output()).contains("1 received");
            assertThat(b.run("ip", "-br", "addr", "show", "lo").output()).contains("UNKNOWN").contains("127.0.0.1");
            assertThat(run("ip", "link", "show", "a-eth").ok()).as("veth never in the host namespace").isFalse();

            ledger = lab.ledgerFile();
            List<String> lines = Files.readAllLines(ledger);
            assertThat(lines.getFirst()).isEqualTo("netext-lab pid=" + ProcessHandle.current().pid()
                    + " start=" + ProcessInfo.currentStartTime() + " prefix=" + lab.prefix());
            assertThat(lines.subList(1, lines.size())).containsExactly(a.name(), b.name());
            assertThatThrownBy(() -> lab.namespace("a")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> lab.get("nope")).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(Files.exists(a.path())).isFalse();
        assertThat(Files.exists(b.path())).isFalse();
        assertThat(Files.exists(ledger)).isFalse();
        assertThat(run("ip", "netns", "list").output()).doesNotContain(a.name()).doesNotContain(b.name());
    }

    @Test
    void routesReachAnAddressBehindAPeer() throws Exception {
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace client = lab.namespace("client");
            NetworkNamespace server = lab.namespace("server");
            lab.veth("client", "c-eth", "10.97.1.2/24", "server", "s-eth", "10.97.1.1/24");
            server.ip("addr", "add", "10.97.9.1/32", "dev", "lo");
            assertThat(client.run("ping", "-c", "1", "-W", "1", "10.97.9.1").ok()).isFalse();
            client.addRoute("10.97.9.0/24", "10.97.1.1");
            assertThat(client.run("ping", "-c", "1", "-W", "2", "10.97.9.1").output()).contains("1 received");
            assertThat(client.ip("route", "show").output()).contains("10.97.9.0/24 via 10.97.1.1");
        }
    }

    @Test
    void runInsideUsesAFreshThreadInTheNamespace() throws Exception {
        long hostInode = NetworkNamespace.currentInode();
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("inside");
            AtomicReference<Thread> first = new AtomicReference<>();
            long inside = ns.runInside(() -> {
                first.set(Thread.currentThread());
                assertThat(Thread.currentThread().isVirtual()).isFalse();
                return NetworkNamespace.currentInode();
            });
            assertThat(inside).isEqualTo(ns.inode()).isNotEqualTo(hostInode);
            assertThat(NetworkNamespace.currentInode()).as("caller stays in the host namespace").isEqualTo(hostInode);
            assertThat(first.get().isAlive()).as("the moved thread ended").isFalse();
            Thread second = ns.runInside(Thread::currentThread);
            assertThat(second).isNotSameAs(first.get());

            assertThat(NetworkNamespace.existingInodes()).contains(ns.inode(), hostInode);
            assertThatThrownBy(() -> ns.runInside(() -> {
                throw new IOException("boom");
            })).isInstanceOf(IOException.class).hasMessage("boom");
            assertThatThrownBy(() -> NetworkNamespace.of("nx0000-does-not-exist")).isInstanceOf(IOException.class);
            assertThat(NetworkNamespace.of(ns.name()).inode()).isEqualTo(ns.inode());
        }
    }

    @Test
    void closeKillsProcessesAndIsIdempotent() throws Exception {
        NetnsLab lab = NetnsLab.create();
        Process sleeper;
        NetworkNamespace ns;
        try {
            ns = lab.namespace("procs");
            sleeper = ns.exec("sleep", "60");
            // a namespace's own /etc/netns/NAME/hosts (as the sandbox writes for its SOCKS server) goes with it
            Files.createDirectories(NetnsLab.ETC_NETNS.resolve(ns.name()));
            Files.writeString(NetnsLab.ETC_NETNS.resolve(ns.name()).resolve("hosts"), "10.0.0.1 web.test\n");
            assertThat(ns.run("getent", "hosts", "web.test").output()).contains("10.0.0.1");
            ExecResult timedOut = ns.run(java.time.Duration.ofMillis(300), "sleep", "5");
            assertThat(timedOut.timedOut()).isTrue();
            assertThat(timedOut.ok()).isFalse();
            assertThatThrownBy(timedOut::orThrow).hasMessageContaining("timed out");
            assertThat(ns.run("sh", "-c", "echo out; echo err >&2; exit 3").exitCode()).isEqualTo(3);
        } finally {
            lab.close();
        }
        lab.close();
        assertThat(sleeper.isAlive()).isFalse();
        assertThat(Files.exists(ns.path())).isFalse();
        assertThat(NetnsLab.ETC_NETNS.resolve(ns.name())).doesNotExist();
        assertThatThrownBy(() -> lab.namespace("late")).isInstanceOf(IllegalStateException.class);
        if (Files.isDirectory(LabLedger.DEFAULT_DIR)) {
            try (var files = Files.list(LabLedger.DEFAULT_DIR)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(lab.prefix()));
            }
        }
    }

    @Test
    void recoverStaleDeletesNamespacesOfDeadLabsOnly() throws Exception {
        String deadName = "nx%04x-stale".formatted(ThreadLocalRandom.current().nextInt(0x10000));
        String liveName = "nx%04x-alive".formatted(ThreadLocalRandom.current().nextInt(0x10000));
        String reusedName = "nx%04x-reuse".formatted(ThreadLocalRandom.current().nextInt(0x10000));
        long deadPid = deadPid();
        long me = ProcessHandle.current().pid();
        long myStart = ProcessInfo.currentStartTime();
        Path dir = LabLedger.DEFAULT_DIR;
        Path deadLedger = dir.resolve("lab-" + deadPid + "-nxdead.list");
        Path liveLedger = dir.resolve("lab-" + me + "-nxlive.list");
        Path reusedLedger = dir.resolve("lab-" + me + "-nxreus.list");
        try {
            for (String n : List.of(deadName, liveName, reusedName)) run("ip", "netns", "add", n).orThrow();
            Files.createDirectories(NetnsLab.ETC_NETNS.resolve(deadName));
            Files.writeString(NetnsLab.ETC_NETNS.resolve(deadName).resolve("hosts"), "10.0.0.1 left.behind\n");
            Files.createDirectories(dir);
            Files.writeString(deadLedger, "netext-lab pid=" + deadPid + " start=12345 prefix=nxdead\n" + deadName + "\nnx0000-never-created\n");
            Files.writeString(liveLedger, "netext-lab pid=" + me + " start=" + myStart + " prefix=nxlive\n" + liveName + "\n");
            // same pid as a live process, but another start time: the pid was reused, the lab is dead
            Files.writeString(reusedLedger, "netext-lab pid=" + me + " start=" + (myStart - 1) + " prefix=nxreus\n" + reusedName + "\n");

            try (NetnsLab lab = NetnsLab.create()) { // create() recovers first
                assertThat(lab.namespaces()).isEmpty();
            }
            assertThat(Files.exists(NetworkNamespace.NETNS_DIR.resolve(deadName))).isFalse();
            assertThat(NetnsLab.ETC_NETNS.resolve(deadName)).as("its /etc/netns files too").doesNotExist();
            assertThat(Files.exists(NetworkNamespace.NETNS_DIR.resolve(reusedName))).isFalse();
            assertThat(deadLedger).doesNotExist();
            assertThat(reusedLedger).doesNotExist();
            assertThat(Files.exists(NetworkNamespace.NETNS_DIR.resolve(liveName))).as("a live lab's namespace").isTrue();
            assertThat(liveLedger).exists();
            NetnsLab.recoverStale();
            assertThat(Files.exists(NetworkNamespace.NETNS_DIR.resolve(liveName))).as("still kept").isTrue();
        } finally {
            for (String n : List.of(deadName, liveName, reusedName)) {
                if (Files.exists(NetworkNamespace.NETNS_DIR.resolve(n))) run("ip", "netns", "del", n);
            }
            Files.deleteIfExists(deadLedger);
            Files.deleteIfExists(liveLedger);
            Files.deleteIfExists(reusedLedger);
            try {
                Files.deleteIfExists(dir);
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                // another lab is running
            }
        }
    }

    @Test
    void recoveryIgnoresNamesThatAreNotLabNamespaces(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("lab-" + deadPid() + "-nxabcd.list"), "netext-lab pid=1 start=1 prefix=nxabcd\n../etc\nmy-vpn-ns\n");
        List<LabLedger.Entry> entries = LabLedger.list(dir);
        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.namespaces()).isEmpty();
            assertThat(e.pid()).isEqualTo(1);
        });
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private static ExecResult run(String... cmd) throws IOException {
        return ProcessRunner.run(List.of(cmd), ProcessRunner.DEFAULT_TIMEOUT, null);
    }
}
