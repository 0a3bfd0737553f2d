package dev.netext.linux.state;

import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.ProcessInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateLedgerTest {
    @TempDir
    Path dir;

    @Test
    void entryRoundTripsAndRejectsTornLines() {
        LedgerEntry e = LedgerEntry.of("route", "family", "6", "dst", "fd84:306d:fc4e::/64", "table", "254");
        assertThat(LedgerEntry.parse(e.toLine())).isEqualTo(e);
        assertThat(LedgerEntry.parse("route family=6 dst=")).isNull();
        assertThat(LedgerEntry.parse("route family")).isNull();
        assertThat(LedgerEntry.parse("")).isNull();
        assertThatThrownBy(() -> LedgerEntry.of("addr", "dev", "has space")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cleanCloseLeavesNothing() throws Exception {
        Path sub = dir.resolve("netext");
        try (StateLedger l = StateLedger.create(sub, LedgerKind.TUNNEL)) {
            l.record(LedgerEntry.of("link", "name", "netext0"));
            assertThat(Files.readAllLines(l.file())).hasSize(2);
        }
        assertThat(sub).doesNotExist();
    }

    @Test
    void liveLedgerIsNotRecovered() throws Exception {
        try (StateLedger l = StateLedger.create(dir, LedgerKind.TUNNEL)) {
            l.record(LedgerEntry.of("link", "name", "netext0"));
            List<LedgerEntry> undone = new ArrayList<>();
            assertThat(StateLedger.recover(dir, LedgerKind.TUNNEL, undone::add)).isEmpty();
            assertThat(undone).isEmpty();
            assertThat(l.file()).exists();
        }
    }

    @Test
    void deadOwnersLedgerIsUndoneInReverseAndRemoved() throws Exception {
        long netns = dev.netext.linux.netns.NetworkNamespace.currentInode();
        // our own pid with a start time that cannot match: the owner is a dead process whose pid was recycled
        Path file = dir.resolve("tunnel-" + netns + "-" + ProcessHandle.current().pid() + ".state");
        Files.writeString(file, """
                owner pid=%d start=1 netns=%d
                link name=netext3
                addr dev=netext3 prefix=10.7.0.1/24
                rule family=4 priority=10001 table=52003
                route family=4 dst=""".formatted(ProcessHandle.current().pid(), netns));
        List<String> undone = new ArrayList<>();
        var recoveries = StateLedger.recover(dir, LedgerKind.TUNNEL, e -> {
            undone.add(e.kind());
            if (e.kind().equals("addr")) throw new IOException("ENODEV");
        });
        // the last line was torn by the crash: skipped, the rest undone newest first
        assertThat(undone).containsExactly("rule", "addr", "link");
        assertThat(recoveries).singleElement().satisfies(r -> assertThat(r.errors()).hasSize(1));
        assertThat(file).doesNotExist();
    }

    @Test
    void ledgerOfVanishedNamespaceIsDiscardedUndoingOnlyItsFiles() throws Exception {
        Path file = dir.resolve("tunnel-1-999999.state");
        Files.writeString(file, "owner pid=999999 start=5 netns=1\nlink name=netext9\nfile path=/var/run/wireguard/x.sock\n");
        List<LedgerEntry> undone = new ArrayList<>();
        StateLedger.recover(dir, LedgerKind.TUNNEL, undone::add);
        assertThat(undone).extracting(LedgerEntry::kind).containsExactly("file");
        assertThat(file).doesNotExist();
        assertThat(dir).doesNotExist();
    }

    @Test
    void staleListsDeadOwners() throws Exception {
        Files.writeString(dir.resolve("tunnel-1-999998.state"), "owner pid=999998 start=5 netns=1\n");
        try (StateLedger live = StateLedger.create(dir, LedgerKind.TUNNEL)) {
            assertThat(StateLedger.stale(dir, LedgerKind.TUNNEL)).extracting(p -> p.getFileName().toString())
                    .containsExactly("tunnel-1-999998.state");
        }
    }
    @Test
    void ownerLineRecordsTheNamespaceCookieAndTheBoot() throws Exception {
        try (StateLedger l = StateLedger.create(dir, LedgerKind.TUNNEL)) {
            LedgerOwner owner = LedgerOwner.parse(Files.readAllLines(l.file()).getFirst());
            assertThat(owner.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(owner.netns()).isEqualTo(NetworkNamespace.currentInode());
            assertThat(owner.cookie()).as("SO_NETNS_COOKIE (Linux 5.14+)").isNotZero().isEqualTo(NetworkNamespace.currentCookie());
            assertThat(owner.boot()).isEqualTo(ProcessInfo.bootId()).matches("[0-9a-f-]{36}");
        }
    }

    @Test
    void aDeadLedgerWithOurInodeButAnotherCookieNeverTouchesThisNamespace() throws Exception {
        // a namespace that died and whose inode this one got: same inode, other cookie
        long inode = NetworkNamespace.currentInode();
        long otherCookie = NetworkNamespace.currentCookie() + 1;
        Path file = dir.resolve("pfilter-" + inode + "-999997.state");
        Files.writeString(file, "owner pid=999997 start=5 netns=%d cookie=%d boot=%s\n".formatted(inode, otherCookie, ProcessInfo.bootId())
                + "iptables-chain chain=NETEXT-PF-7-Q family=4 table=filter\nfile path=/var/run/wireguard/y.sock\n");
        List<LedgerEntry> undone = new ArrayList<>();
        assertThat(StateLedger.recover(dir, LedgerKind.PACKET_FILTER, undone::add)).isEmpty();
        assertThat(undone).extracting(LedgerEntry::kind).containsExactly("file");
        assertThat(file).doesNotExist();
    }

    @Test
    void aLedgerOfAnEarlierBootIsDiscardedUndoingOnlyItsFiles() throws Exception {
        long inode = NetworkNamespace.currentInode();
        Path file = dir.resolve("flow-" + inode + "-999996.state");
        Files.writeString(file, "owner pid=999996 start=5 netns=%d cookie=%d boot=00000000-0000-4000-8000-000000000000\n"
                .formatted(inode, NetworkNamespace.currentCookie()) + "nft-table family=inet name=netext-flow\n");
        List<LedgerEntry> undone = new ArrayList<>();
        assertThat(StateLedger.recover(dir, LedgerKind.FLOW, undone::add)).isEmpty();
        assertThat(undone).isEmpty();
        assertThat(file).doesNotExist();
    }

    @Test
    void anOldLedgerWithoutCookieIsUndoneHereButSparesWhatALiveLedgerNames() throws Exception {
        long inode = NetworkNamespace.currentInode();
        LedgerEntry shared = LedgerEntry.of("nft-table", "family", "inet", "name", "netext-dns");
        LedgerEntry onlyDead = LedgerEntry.of("nft-table", "family", "inet", "name", "netext-dns-old");
        Path file = dir.resolve("dns-" + inode + "-999995.state");
        Files.writeString(file, "owner pid=999995 start=5 netns=%d\n%s\n%s\n".formatted(inode, shared.toLine(), onlyDead.toLine()));
        try (StateLedger live = StateLedger.create(dir, LedgerKind.DNS)) {
            live.record(shared);
            List<LedgerEntry> undone = new ArrayList<>();
            assertThat(StateLedger.recover(dir, LedgerKind.DNS, undone::add)).singleElement()
                    .satisfies(r -> assertThat(r.pid()).isEqualTo(999995));
            assertThat(undone).containsExactly(onlyDead);
            assertThat(file).doesNotExist();
            assertThat(live.file()).exists();
        }
    }

    @Test
    void anOwnersObjectsAreUndoneNewestFirstAndAFailureStopsNothing() {
        List<LedgerEntry> created = List.of(LedgerEntry.of("iptables-chain", "chain", "A"),
                LedgerEntry.of("iptables-chain", "chain", "B"), LedgerEntry.of("iptables-jump", "chain", "B"));
        List<String> undone = new ArrayList<>();
        StateLedger.undoNewestFirst(created, e -> {
            undone.add(e.kind() + " " + e.require("chain"));
            if (e.kind().equals("iptables-jump")) throw new IOException("jump already gone");
        });
        assertThat(undone).containsExactly("iptables-jump B", "iptables-chain B", "iptables-chain A");
    }
}
