package dev.netext.daemon.diagnose;

import dev.netext.api.net.IpPrefix;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.tun.TunDevice;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.netext.daemon.diagnose.Snap.only;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Diagnosis} against a real kernel, in a lab namespace (root only; skipped otherwise): a foreign TUN device
 * made with {@code ip tuntap} and one opened by {@link TunDevice}, with overlapping routes; strict rp_filter; a stale
 * ledger in a temporary state directory and an orphan netext rule.
 */
class DiagnosisKernelTest {
    private static NetnsLab lab;

    @BeforeAll
    static void createLab() throws Exception {
        Assumptions.assumeTrue(isRoot(), "integration test skipped: needs root (network namespaces, TUN)");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/net/tun")), "integration test skipped: no /dev/net/tun");
        lab = NetnsLab.create();
    }

    @AfterAll
    static void closeLab() {
        if (lab != null) lab.close();
    }

    static boolean isRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void overlapRpFilterStaleLedgerAndOrphanRuleAreFoundInANamespace(@TempDir Path state) throws Exception {
        NetworkNamespace ns = lab.namespace("diag");
        ns.ip("tuntap", "add", "dev", "tunf", "mode", "tun");
        ns.linkUp("tunf");
        ns.addAddress("tunf", IpPrefix.parse("10.7.0.1/24")); // the kernel adds 10.7.0.0/24 dev tunf
        ns.ip("rule", "add", "priority", "10050", "not", "fwmark", "0x4e580019", "table", "52025");
        ns.ip("rule", "add", "priority", "10060", "not", "fwmark", "0x4e58001e", "table", "52030"); // in no ledger
        long inode = ns.inode();
        Path staleFile = state.resolve("tunnel-" + inode + "-999999.state");
        Files.writeString(staleFile, "owner pid=999999 start=1 netns=" + inode + "\nlink index=25 name=netext9\n"
                + "rule family=4 fwmark=1314390041 invert=true priority=10050 table=52025\n");

        StateLedger[] ledger = new StateLedger[1];
        TunDevice tun = ns.runInside(() -> {
            assertThat(NetworkNamespace.currentInode()).isEqualTo(inode);
            TunDevice t = TunDevice.open();
            ledger[0] = StateLedger.create(state, LedgerKind.TUNNEL);
            ledger[0].record(LedgerEntry.of("link", "name", t.name(), "index", Integer.toString(t.ifindex())));
            try (RtNetlink rtnl = RtNetlink.open()) {
                rtnl.addAddress(t.ifindex(), IpPrefix.parse("10.7.0.130/32"));
                rtnl.setLinkUp(t.ifindex(), true);
                rtnl.addRoute(Route.to(IpPrefix.parse("10.7.0.0/25")).withOutputInterface(t.ifindex()));
            }
            return t;
        });
        try {
            Diagnosis.Report r = ns.runInside(() -> Diagnosis.run(state));
            NetworkSnapshot s = r.snapshot();
            assertThat(s.namespaceInode()).isEqualTo(inode);
            assertThat(s.tunDevices()).extracting(l -> l.name()).containsExactlyInAnyOrder("tunf", tun.name());
            assertThat(s.tunDevices()).filteredOn(l -> l.name().equals(tun.name())).singleElement()
                    .satisfies(l -> assertThat(s.ownerOf(l)).isPresent());
            assertThat(s.tunDevices()).filteredOn(l -> l.name().equals("tunf")).singleElement()
                    .satisfies(l -> assertThat(s.ownerOf(l)).isEmpty());

            List<Conflict> cs = r.conflicts();
            assertThat(only(cs, Conflict.ROUTE_OVERLAP)).singleElement().satisfies(c -> {
                assertThat(c.severity()).isEqualTo(Severity.ERROR);
                assertThat(c.message()).contains("tunf", tun.name(), "10.7.0.0/24", "10.7.0.0/25");
            });
            assertThat(only(cs, Conflict.STALE_LEDGER)).singleElement().satisfies(c -> {
                assertThat(c.severity()).as("a dead instance's rule is still there").isEqualTo(Severity.ERROR);
                assertThat(c.message()).contains(staleFile.toString(), "ip rule 10050 (table 52025)");
                assertThat(c.fix()).contains("netext diagnose --fix");
            });
            assertThat(only(cs, Conflict.ORPHAN_RULE)).singleElement()
                    .satisfies(c -> assertThat(c.fix()).isEqualTo("ip rule del priority 10060"));
            assertThat(only(cs, Conflict.RP_FILTER)).as("a fresh namespace does not filter").isEmpty();
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(TextReport.render(r, true)).contains("table local (ipv4)", "foreign", "ours (pid " + ProcessHandle.current().pid() + ")");

            ns.setSysctl("net.ipv4.conf.all.rp_filter", "1");
            List<Conflict> strict = ns.runInside(() -> Diagnosis.run(state)).conflicts();
            assertThat(only(strict, Conflict.RP_FILTER)).extracting(c -> c.subjects().getFirst())
                    .containsExactlyInAnyOrder("tunf", tun.name());
        } finally {
            tun.close();
            ledger[0].close();
        }
    }

    @Test
    void dnsInterceptionLedgersAreListedLiveAndStale(@TempDir Path state) throws Exception {
        NetworkNamespace ns = lab.namespace("diagdns");
        long inode = ns.inode();
        Path staleFile = state.resolve("dns-" + inode + "-999999.state");
        Files.writeString(staleFile, "owner pid=999999 start=1 netns=" + inode + "\nnft-table family=inet name=netext-dns\n");
        StateLedger live = ns.runInside(() -> StateLedger.create(state, LedgerKind.DNS));
        try {
            live.record(LedgerEntry.of("nft-table", "family", "inet", "name", "netext-dns"));
            Diagnosis.Report r = ns.runInside(() -> Diagnosis.run(state));
            assertThat(r.snapshot().ledgers()).extracting(LedgerState::kind, LedgerState::ownerAlive)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("dns", true), org.assertj.core.groups.Tuple.tuple("dns", false));
            assertThat(only(r.conflicts(), Conflict.STALE_LEDGER)).singleElement().satisfies(c -> {
                // the live ledger's table is not the dead one's leftover (and there is no such table here anyway)
                assertThat(c.severity()).isEqualTo(Severity.WARNING);
                assertThat(c.message()).contains(staleFile.toString(), "nft tables inet netext-dns", "none of its objects is left");
                assertThat(c.fix()).contains("netext diagnose --fix", "rm " + staleFile);
            });
            String text = TextReport.render(r, false);
            assertThat(text).contains("Ledgers (" + state + ")", staleFile.getFileName().toString(), live.file().getFileName().toString());
        } finally {
            live.close();
        }
    }
}
