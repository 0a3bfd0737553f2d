package dev.netext.tunnel.killswitch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.net.IpPrefix;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link KillSwitch} in a namespace of its own: the table follows launches and the links' subnets; close removes it. */
class KillSwitchKernelTest {

    private static String table(NetworkNamespace ns) throws Exception {
        return ns.run("nft", "list", "table", "inet", "netext-killswitch").output();
    }

    /** nft runs as a child of the calling thread: make sure that child lives in the lab's namespace, not the host's. */
    private static void assumeChildrenInherit(NetworkNamespace ns) throws Exception {
        long inode = ns.inode();
        long child = ns.runInside(() -> {
            Process p = new ProcessBuilder("stat", "-L", "-c", "%i", "/proc/self/ns/net").start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            p.waitFor();
            return Long.parseLong(out);
        });
        Assumptions.assumeTrue(child == inode, "a child process does not inherit its thread's network namespace");
    }

    @Test
    void followsLaunchesAndLocalSubnetsAndCloseRemovesIt(@TempDir Path state) throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "namespaces need root");
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("ks");
            NetworkNamespace peer = lab.namespace("peer");
            lab.veth("ks", "ks-eth", "192.168.77.2/24", "peer", "peer-eth", "192.168.77.1/24");
            peer.ip("addr", "add", "198.51.100.1/32", "dev", "lo").orThrow(); // beyond the link: "the internet"
            ns.ip("route", "add", "default", "via", "192.168.77.1").orThrow();
            assertThat(ns.run("ping", "-c", "1", "-W", "2", "198.51.100.1").exitCode()).as("reachable before").isZero();
            assumeChildrenInherit(ns);
            KillSwitch ks = ns.runInside(() -> KillSwitch.install(state, "t", true));
            try {
                assertThat(table(ns)).contains("policy drop").contains("192.168.77.0/24").doesNotContain("meta mark");
                assertThat(StateLedger.stale(state, LedgerKind.KILL_SWITCH)).as("its ledger is live").isEmpty();
                try (var files = Files.list(state)) {
                    assertThat(files.map(p -> p.getFileName().toString())).singleElement().asString().startsWith("killswitch-t-");
                }

                // every call from a thread in the namespace: nft is run as a child of the calling thread
                ns.runInside(() -> ks.tunnelUp("nxt0", 0x4e580003));
                assertThat(table(ns)).contains("oifname \"nxt0\" accept").contains("meta mark 0x4e580003 accept");
                ns.runInside(ks::tunnelDown);
                assertThat(table(ns)).doesNotContain("nxt0").doesNotContain("meta mark");

                // a new address on a link: its subnet is local from then on
                ns.ip("addr", "add", "10.77.0.2/16", "dev", "ks-eth").orThrow();
                for (int i = 0; i < 50 && !table(ns).contains("10.77.0.0/16"); i++) Thread.sleep(100);
                assertThat(table(ns)).contains("10.77.0.0/16");
                assertThat(ks.config().local()).contains(IpPrefix.parse("10.77.0.0/16"));
                // and the local peer is reachable through it, the rest is not
                assertThat(ns.run("ping", "-c", "1", "-W", "2", "192.168.77.1").exitCode()).isZero();
                assertThat(ns.run("ping", "-c", "1", "-W", "1", "198.51.100.1").exitCode()).isNotZero();
            } finally {
                ns.runInside(ks::close);
            }
            assertThat(ns.run("nft", "list", "tables").output()).doesNotContain("netext-killswitch");
            assertThat(ns.run("ping", "-c", "1", "-W", "2", "198.51.100.1").exitCode()).as("reachable after").isZero();
            assertThat(Files.exists(state) ? Files.list(state).count() : 0).as("ledger closed").isZero();
        }
    }
}
