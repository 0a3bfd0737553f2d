package dev.netext.linux.diag;

import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.Root;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shared sweep: one read of the table per sweep for every consumer of a namespace, a thread that stops with its
 * last consumer; and one connection across sweeps: its counters, its end, and a flow that outlives its entry.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConntrackWatchTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("10.0.0.1", 40000),
            SERVER = new InetSocketAddress("10.0.0.2", 53);
    private static final Map<ConntrackTable.Tuple, ConntrackTable.Entry> NONE = Map.of();

    private static final Duration NEVER = Duration.ofHours(1); // no sweep of the thread's own: the test calls them

    @Test
    void oneReadPerSweepFeedsEveryConsumerOfTheNamespace() {
        AtomicInteger reads = new AtomicInteger();
        ConntrackWatch.TableReader reader = () -> {
            reads.incrementAndGet();
            return new HashMap<>(table(udp(1, 100, 1, 100)));
        };
        List<Map<ConntrackTable.Tuple, ConntrackTable.Entry>> fastPath = new ArrayList<>(), inbound = new ArrayList<>();
        try (var a = ConntrackWatch.join("ns-one-read", "fast path", s -> fastPath.add(s.table()), reader, NEVER);
             var b = ConntrackWatch.join("ns-one-read", "inbound", s -> inbound.add(s.table()), reader, NEVER)) {
            assertThat(b.watch()).as("one sweep per namespace").isSameAs(a.watch());
            a.watch().sweep();
            a.watch().sweep();
            assertThat(reads).as("one read per sweep").hasValue(2);
            assertThat(a.watch().reads()).isEqualTo(2);
            assertThat(fastPath).hasSize(2);
            assertThat(inbound).hasSize(2);
            for (int i = 0; i < 2; i++) assertThat(inbound.get(i)).as("the same map").isSameAs(fastPath.get(i));
            assertThat(fastPath.get(0)).isNotSameAs(fastPath.get(1));
        }
    }

    @Test
    void noReadWhenNoConsumerAsksAndAnotherNamespaceHasItsOwnSweep() {
        AtomicInteger reads = new AtomicInteger();
        ConntrackWatch.TableReader reader = () -> {
            reads.incrementAndGet();
            return Map.of();
        };
        try (var a = ConntrackWatch.join("ns-idle", "fast path", s -> { }, reader, NEVER);
             var b = ConntrackWatch.join("ns-other", "inbound", s -> s.table(), reader, NEVER)) {
            assertThat(b.watch()).isNotSameAs(a.watch());
            a.watch().sweep();
            assertThat(reads).as("nothing followed: no read").hasValue(0);
            b.watch().sweep();
            assertThat(reads).hasValue(1);
        }
    }

    @Test
    void theThreadSweepsUntilTheLastConsumerLeaves() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        CountDownLatch both = new CountDownLatch(2);
        ConntrackWatch.TableReader reader = () -> {
            reads.incrementAndGet();
            return Map.of();
        };
        var a = ConntrackWatch.join("ns-thread", "fast path", s -> { s.table(); both.countDown(); }, reader,
                Duration.ofMillis(10));
        var b = ConntrackWatch.join("ns-thread", "inbound", s -> { s.table(); both.countDown(); }, reader,
                Duration.ofMillis(10));
        Thread sweeper = a.watch().thread();
        assertThat(both.await(10, TimeUnit.SECONDS)).isTrue();
        a.close();
        assertThat(sweeper.isAlive()).as("the other consumer still follows flows").isTrue();
        assertThat(ConntrackWatch.running("ns-thread")).isSameAs(b.watch());
        int before = reads.get();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (reads.get() == before && System.nanoTime() < until) Thread.sleep(5);
        assertThat(reads.get()).as("still sweeping").isGreaterThan(before);
        b.close();
        assertThat(sweeper.isAlive()).as("the last one left: stopped").isFalse();
        assertThat(ConntrackWatch.running("ns-thread")).isNull();
        try (var c = ConntrackWatch.join("ns-thread", "again", s -> { }, reader, NEVER)) {
            assertThat(c.watch().thread()).as("a new sweep for a new consumer").isNotSameAs(sweeper);
        }
    }

    @Test
    void theSweepRunsInTheNamespaceOfItsFirstConsumer() throws Exception {
        Root.assumeRoot();
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("ct");
            CompletableFuture<Long> sweptIn = new CompletableFuture<>();
            ConntrackWatch.Membership m = ns.runInside(() -> ConntrackWatch.join("test", s -> {
                try {
                    sweptIn.complete(NetworkNamespace.currentInode());
                } catch (IOException e) {
                    sweptIn.completeExceptionally(e);
                }
            }));
            try {
                long inside = ns.runInside(NetworkNamespace::currentInode);
                assertThat(inside).isNotEqualTo(NetworkNamespace.currentInode());
                assertThat(sweptIn.get(ConntrackWatch.INTERVAL.toSeconds() + 10, TimeUnit.SECONDS)).isEqualTo(inside);
            } finally {
                m.close();
            }
        }
    }

    @Test
    void aMissingTableIsEmptyAndMissingForEveryConsumer() {
        ConntrackWatch.TableReader gone = () -> { throw new IOException("no such file"); };
        List<Boolean> missing = new ArrayList<>();
        try (var a = ConntrackWatch.join("ns-missing", "fast path", s -> {
                 assertThat(s.table()).isEmpty();
                 missing.add(s.missing());
             }, gone, NEVER);
             var b = ConntrackWatch.join("ns-missing", "inbound", s -> missing.add(s.missing()), gone, NEVER)) {
            a.watch().sweep();
            assertThat(missing).containsExactly(true, true);
            assertThat(a.watch().reads()).isZero();
        }
    }

    @Test
    void endsWhenItsEntryIsGoneAfterASweepSawItWithTheLastCounters() {
        var c = new ConntrackWatch.Connection(TransportProtocol.UDP, CLIENT, SERVER);
        assertThat(c.sweep(NONE)).as("never seen: not ended by the table").isFalse();
        assertThat(c.seen()).isFalse();
        assertThat(c.sweep(table(udp(2, 100, 2, 120)))).isFalse();
        assertThat(c.sweep(table(udp(5, 250, 5, 300)))).isFalse();
        assertThat(c.sweep(NONE)).as("expired").isTrue();
        assertThat(c.seen()).isTrue();
        assertThat(c.counted()).isEqualTo(new ConntrackTable.Counters(5, 250, 5, 300));
        assertThat(c.sweep(NONE)).as("said once").isFalse();
    }

    @Test
    void aClosedTcpEntryEndsIt() {
        var c = new ConntrackWatch.Connection(TransportProtocol.TCP, CLIENT, SERVER);
        var e = new ConntrackTable.Entry("tcp", CLIENT, SERVER, "TIME_WAIT",
                Optional.of(new ConntrackTable.Counters(10, 900, 12, 9000)));
        assertThat(c.sweep(Map.of(new ConntrackTable.Tuple("tcp", CLIENT, SERVER), e))).isTrue();
        assertThat(c.counted().replyBytes()).isEqualTo(9000);
    }

    @Test
    void entriesOfOneFlowAddUpWhenOneExpiresOrIsReplacedBetweenSweeps() {
        var c = new ConntrackWatch.Connection(TransportProtocol.UDP, CLIENT, SERVER);
        c.sweep(table(udp(4, 400, 4, 400)));
        c.sweep(NONE); // expired while the socket stayed
        c.sweep(table(udp(1, 100, 1, 100))); // the next datagram's entry
        c.sweep(table(udp(3, 300, 3, 300)));
        c.sweep(table(udp(2, 200, 0, 0))); // fewer packets: a newer entry again
        assertThat(c.counted()).isEqualTo(new ConntrackTable.Counters(9, 900, 7, 700));
    }

    @Test
    void noCountersWhenAccountingWasOff() {
        var c = new ConntrackWatch.Connection(TransportProtocol.UDP, CLIENT, SERVER);
        c.sweep(Map.of(new ConntrackTable.Tuple("udp", CLIENT, SERVER),
                new ConntrackTable.Entry("udp", CLIENT, SERVER, null, Optional.empty())));
        assertThat(c.seen()).isTrue();
        assertThat(c.counted()).isNull();
    }

    private static ConntrackTable.Entry udp(long op, long ob, long rp, long rb) {
        return new ConntrackTable.Entry("udp", CLIENT, SERVER, null, Optional.of(new ConntrackTable.Counters(op, ob, rp, rb)));
    }

    private static Map<ConntrackTable.Tuple, ConntrackTable.Entry> table(ConntrackTable.Entry e) {
        return Map.of(new ConntrackTable.Tuple(e.protocol(), e.source(), e.destination()), e);
    }
}
