package dev.netext.linux.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        try (StateLedger l = StateLedger.create(sub, "tunnel")) {
            l.record(LedgerEntry.of("link", "name", "netext0"));
            assertThat(Files.readAllLines(l.file())).hasSize(2);
        }
        assertThat(sub).doesNotExist();
    }

    @Test
    void liveLedgerIsNotRecovered() throws Exception {
        try (StateLedger l = StateLedger.create(dir, "tunnel")) {
            l.record(LedgerEntry.of("link", "name", "netext0"));
            List<LedgerEntry> undone = new ArrayList<>();
            assertThat(StateLedger.recover(dir, "tunnel", undone::add)).isEmpty();
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
        var recoveries = StateLedger.recover(dir, "tunnel", e -> {
            undone.add(e.kind());
            if (e.kind().equals("addr")) throw new java.io.IOException("ENODEV");
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
        StateLedger.recover(dir, "tunnel", undone::add);
        assertThat(undone).extracting(LedgerEntry::kind).containsExactly("file");
        assertThat(file).doesNotExist();
        assertThat(dir).doesNotExist();
    }

    @Test
    void staleListsDeadOwners() throws Exception {
        Files.writeString(dir.resolve("tunnel-1-999998.state"), "owner pid=999998 start=5 netns=1\n");
        try (StateLedger live = StateLedger.create(dir, "tunnel")) {
            assertThat(StateLedger.stale(dir, "tunnel")).extracting(p -> p.getFileName().toString())
                    .containsExactly("tunnel-1-999998.state");
        }
    }
}
