package dev.netext.linux.sys;

import dev.netext.linux.Root;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SysctlOverride} in a network namespace of the test's own, on per-namespace conntrack parameters: the old
 * value recorded before the new one is set, put back on close and by undo from the ledger entry alone (the crash
 * counterpart); a parameter that already has the value is neither recorded nor restored; one changed since is left;
 * two holders in one process keep it until the last lets go, and their two ledgers restore it once; a dead instance's
 * setting still in force is adopted by a new holder, so recovering the dead ledger does not take it away.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SysctlOverrideKernelTest {
    private static final String ACCOUNTING = "net.netfilter.nf_conntrack_acct", UDP_TIMEOUT = "net.netfilter.nf_conntrack_udp_timeout";

    @BeforeAll
    static void root() {
        Root.assumeRoot();
    }

    @Test
    void setRecordsTheOldValueAndCloseOrUndoPutsItBack(@TempDir Path run) throws Exception {
        withLedgerInANamespace(run, ACCOUNTING, ledger -> {
            assertThat(Sysctl.get(ACCOUNTING)).as("a new namespace's default").isEqualTo("0");
            SysctlOverride on = SysctlOverride.set(ledger, ACCOUNTING, "1").orElseThrow();
            assertThat(Sysctl.get(ACCOUNTING)).isEqualTo("1");
            LedgerEntry recorded = LedgerEntry.of(SysctlOverride.LEDGER_KIND, "name", ACCOUNTING, "old", "0", "value", "1");
            assertThat(ledger.entries()).containsExactly(recorded);
            assertThat(SysctlOverride.inForce(recorded)).isTrue();

            on.close();
            assertThat(Sysctl.get(ACCOUNTING)).isEqualTo("0");
            assertThat(SysctlOverride.inForce(recorded)).isFalse();
            Sysctl.set(ACCOUNTING, "1"); // as a killed instance leaves it
            SysctlOverride.undo(recorded);
            assertThat(Sysctl.get(ACCOUNTING)).isEqualTo("0");
        });
    }

    @Test
    void aValueAlreadySetByOthersIsNeitherRecordedNorRestored(@TempDir Path run) throws Exception {
        withLedgerInANamespace(run, ACCOUNTING, ledger -> {
            Sysctl.set(ACCOUNTING, "1"); // the administrator's, not this process's
            assertThat(SysctlOverride.set(ledger, ACCOUNTING, "1")).as("already 1: nothing to put back").isEmpty();
            assertThat(ledger.entries()).isEmpty();
            Sysctl.set(ACCOUNTING, "0");
        });
    }

    @Test
    void twoHoldersKeepTheValueUntilTheLastLetsGoInEitherOrder(@TempDir Path run) throws Exception {
        for (boolean firstLetsGoFirst : new boolean[] {true, false}) {
            withLedgerInANamespace(run.resolve("order-" + firstLetsGoFirst), ACCOUNTING, fastPath -> {
                try (StateLedger inbound = StateLedger.create(run.resolve("inbound-" + firstLetsGoFirst), LedgerKind.INBOUND)) {
                    SysctlOverride first = SysctlOverride.set(fastPath, ACCOUNTING, "1").orElseThrow();
                    SysctlOverride second = SysctlOverride.set(inbound, ACCOUNTING, "1").orElseThrow();
                    LedgerEntry recorded = LedgerEntry.of(SysctlOverride.LEDGER_KIND, "name", ACCOUNTING, "old", "0", "value", "1");
                    assertThat(inbound.entries()).as("the joiner's ledger restores it if it outlives the first")
                            .containsExactly(recorded);
                    assertThat(fastPath.entries()).containsExactly(recorded);

                    (firstLetsGoFirst ? first : second).close();
                    assertThat(Sysctl.get(ACCOUNTING)).as("the other holder still needs it").isEqualTo("1");
                    (firstLetsGoFirst ? first : second).close();
                    assertThat(Sysctl.get(ACCOUNTING)).as("closing twice is one release").isEqualTo("1");
                    (firstLetsGoFirst ? second : first).close();
                    assertThat(Sysctl.get(ACCOUNTING)).as("the last release puts the old value back").isEqualTo("0");
                    inbound.close();
                }
            });
        }
    }

    @Test
    void bothLedgersOfACrashRestoreTheOldValueOnce(@TempDir Path run) throws Exception {
        withLedgerInANamespace(run.resolve("fast"), ACCOUNTING, fastPath -> {
            try (StateLedger inbound = StateLedger.create(run.resolve("inbound"), LedgerKind.INBOUND)) {
                SysctlOverride first = SysctlOverride.set(fastPath, ACCOUNTING, "1").orElseThrow();
                SysctlOverride second = SysctlOverride.set(inbound, ACCOUNTING, "1").orElseThrow();
                // the recovery of each dead ledger, one after the other (kill -9 left both): the first puts 0 back
                SysctlOverride.undo(fastPath.entries().getFirst());
                assertThat(Sysctl.get(ACCOUNTING)).isEqualTo("0");
                assertThat(SysctlOverride.inForce(inbound.entries().getFirst())).as("the copy has nothing left to do")
                        .isFalse();
                SysctlOverride.undo(inbound.entries().getFirst());
                assertThat(Sysctl.get(ACCOUNTING)).isEqualTo("0");
                first.close();
                second.close();
                assertThat(Sysctl.get(ACCOUNTING)).isEqualTo("0");
                inbound.close();
            }
        });
    }

    @Test
    void aDeadInstancesSettingIsAdoptedSoItsRecoveryLeavesItToTheNewHolder(@TempDir Path run) throws Exception {
        withLedgerInANamespace(run, ACCOUNTING, fastPath -> {
            // kill -9 of an instance whose inbound steering had turned accounting on: its ledger is still there
            LedgerEntry dead = LedgerEntry.of(SysctlOverride.LEDGER_KIND, "name", ACCOUNTING, "old", "0", "value", "1");
            Sysctl.set(ACCOUNTING, "1");
            Path deadLedger = run.resolve("inbound-%d-999994.state".formatted(NetworkNamespace.currentInode()));
            Files.writeString(deadLedger, "owner pid=999994 start=5 netns=%d cookie=%d boot=%s\n%s\n".formatted(
                    NetworkNamespace.currentInode(), NetworkNamespace.currentCookie(), ProcessInfo.bootId(), dead.toLine()));

            // a new fast path starts before the inbound recovery runs: it adopts the setting instead of ignoring it
            SysctlOverride on = SysctlOverride.set(fastPath, ACCOUNTING, "1").orElseThrow();
            assertThat(fastPath.entries()).containsExactly(dead);
            assertThat(StateLedger.recover(run, LedgerKind.INBOUND, SysctlOverride::undo)).singleElement()
                    .satisfies(r -> assertThat(r.errors()).isEmpty());
            assertThat(deadLedger).doesNotExist();
            assertThat(Sysctl.get(ACCOUNTING)).as("recovery left it to the live holder").isEqualTo("1");

            on.close();
            assertThat(Sysctl.get(ACCOUNTING)).as("the old value the dead instance recorded").isEqualTo("0");
        });
    }

    @Test
    void undoLeavesAValueChangedSince(@TempDir Path run) throws Exception {
        withLedgerInANamespace(run, UDP_TIMEOUT, ledger -> {
            assertThat(Sysctl.get(UDP_TIMEOUT)).as("read whole").isEqualTo("30");
            SysctlOverride longer = SysctlOverride.set(ledger, UDP_TIMEOUT, "41").orElseThrow();
            assertThat(ledger.entries().getFirst().get("old")).isEqualTo("30");
            Sysctl.set(UDP_TIMEOUT, "42"); // someone else's value since
            longer.close();
            assertThat(Sysctl.get(UDP_TIMEOUT)).isEqualTo("42");
            SysctlOverride.undo(ledger.entries().getFirst());
            assertThat(Sysctl.get(UDP_TIMEOUT)).isEqualTo("42");
        });
    }

    private interface LedgerTask {
        void run(StateLedger ledger) throws Exception;
    }

    /** Runs {@code task} inside a new namespace (where {@code sysctl} has its default) with a ledger in {@code run}. */
    private static void withLedgerInANamespace(Path run, String sysctl, LedgerTask task) throws Exception {
        try (NetnsLab lab = NetnsLab.create()) {
            lab.namespace("s").runInside(() -> {
                Assumptions.assumeTrue(Sysctl.exists(sysctl), "nf_conntrack is not loaded");
                try (StateLedger ledger = StateLedger.create(run, LedgerKind.FLOW)) {
                    task.run(ledger);
                }
            });
        }
    }
}
