package dev.netext.linux.resolver;

import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ResolvConfTest {
    /** Odd but real: a comment in Latin-1, tabs, no newline at the end. */
    private static final byte[] ORIGINAL = "# r\u00e9seau\nnameserver\t192.0.2.1\nsearch lan".getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path dir;

    @Test
    void restoreGivesBackTheOriginalBytesInTheSameFile() throws Exception {
        Path conf = Files.write(dir.resolve("resolv.conf"), ORIGINAL);
        Object inode = Files.getAttribute(conf, "unix:ino");
        try (StateLedger ledger = StateLedger.create(dir.resolve("state"), LedgerKind.RESOLVER)) {
            ResolvConf kept = ResolvConf.keep(conf, ledger);
            assertThat(Files.readAllBytes(kept.savedCopy())).isEqualTo(ORIGINAL);
            kept.write("nameserver 127.0.2.53\n".getBytes(StandardCharsets.US_ASCII));
            kept.write("nameserver 127.0.2.53\nsearch corp.example\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(Files.readString(conf)).contains("corp.example");
            kept.restore();
            assertThat(kept.savedCopy()).doesNotExist();
        }
        assertThat(Files.readAllBytes(conf)).isEqualTo(ORIGINAL);
        assertThat(Files.getAttribute(conf, "unix:ino")).as("written in place, never renamed over").isEqualTo(inode);
    }

    @Test
    void aFileThatWasNotThereIsRemovedAgain() throws Exception {
        Path conf = dir.resolve("resolv.conf");
        try (StateLedger ledger = StateLedger.create(dir.resolve("state"), LedgerKind.RESOLVER)) {
            ResolvConf kept = ResolvConf.keep(conf, ledger);
            assertThat(kept.savedCopy()).isNull();
            kept.write("nameserver 127.0.2.53\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(conf).exists();
            kept.restore();
        }
        assertThat(conf).doesNotExist();
    }

    @Test
    void aDeadInstancesLedgerRestoresTheOriginal() throws Exception {
        Path conf = Files.write(dir.resolve("resolv.conf"), ORIGINAL);
        Path state = dir.resolve("state");
        killedAfterWriting(conf, state, "nameserver 127.0.2.53\n");
        assertThat(Files.readString(conf)).isEqualTo("nameserver 127.0.2.53\n");

        List<StateLedger.Recovery> done = ResolvConf.recover(state);
        assertThat(done).hasSize(1);
        assertThat(done.getFirst().errors()).isEmpty();
        assertThat(Files.readAllBytes(conf)).isEqualTo(ORIGINAL);
        assertThat(state).doesNotExist(); // ledger and kept copy both gone
    }

    @Test
    void aFileChangedSinceNetextWroteItIsLeftAloneAndTheCopyKept() throws Exception {
        Path conf = Files.write(dir.resolve("resolv.conf"), ORIGINAL);
        Path state = dir.resolve("state");
        killedAfterWriting(conf, state, "nameserver 127.0.2.53\n");
        Files.writeString(conf, "nameserver 198.51.100.9\n"); // a DHCP client rewrote it meanwhile

        List<StateLedger.Recovery> done = ResolvConf.recover(state);
        assertThat(done.getFirst().errors()).singleElement().asString().contains("changed since netext wrote it");
        assertThat(Files.readString(conf)).isEqualTo("nameserver 198.51.100.9\n");
        try (var copies = Files.list(state)) {
            assertThat(copies.toList()).singleElement().satisfies(p -> assertThat(Files.readAllBytes(p)).isEqualTo(ORIGINAL));
        }
    }

    /** What a {@code kill -9} after writing leaves: the kept copy and a ledger whose owner is dead. */
    private static void killedAfterWriting(Path conf, Path state, String content) throws Exception {
        List<String> lines;
        Path saved;
        try (StateLedger ledger = StateLedger.create(state, LedgerKind.RESOLVER)) {
            ResolvConf kept = ResolvConf.keep(conf, ledger);
            kept.write(content.getBytes(StandardCharsets.US_ASCII));
            lines = new ArrayList<>(Files.readAllLines(ledger.file()));
            saved = kept.savedCopy();
        } // closed without restore: only the ledger file goes
        assertThat(saved).exists();
        long netns = NetworkNamespace.currentInode();
        // our pid with a start time that cannot match: a dead owner whose pid was recycled
        lines.set(0, "owner pid=" + ProcessHandle.current().pid() + " start=1 netns=" + netns);
        Files.write(state.resolve("resolver-" + netns + "-1.state"), lines);
    }
}
