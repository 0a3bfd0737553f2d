package dev.netext.daemon.events;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

class EventLogTest {

    private static ProviderEvent message(long seq, long nanos, String provider, long flow) {
        return new ProviderEvent.ProviderMessage(seq, nanos, provider, flow, "t", Map.of());
    }

    private static List<LogEntry> drain(Subscription s) {
        List<LogEntry> out = new ArrayList<>();
        for (LogEntry e; (e = s.poll()) != null; ) out.add(e);
        return out;
    }

    private static List<ProviderEvent> events(List<LogEntry> entries) {
        return entries.stream().filter(e -> e instanceof LogEntry.Recorded).map(e -> ((LogEntry.Recorded) e).event()).toList();
    }

    @Test
    void concurrentProducersGetOneStrictlyIncreasingSequenceAndNonDecreasingTime() throws Exception {
        EventLog log = new EventLog(100_000);
        Subscription sub = log.subscribe(0, _ -> true, 100_000);
        int threads = 4, each = 5_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String name = "p" + t;
            ts.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    if (i % 2 == 0) log.publish((s, n) -> message(s, n, name, 0));
                    else log.accept(message(0, System.nanoTime(), name, 0)); // numbered elsewhere: restamped
                }
            }));
        }
        go.countDown();
        for (Thread t : ts) t.join();
        List<ProviderEvent> got = events(drain(sub));
        assertThat(got).hasSize(threads * each);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i).sequence()).isEqualTo(i + 1);
            if (i > 0) assertThat(got.get(i).monotonicNanos()).isGreaterThanOrEqualTo(got.get(i - 1).monotonicNanos());
        }
        assertThat(log.lastSequence()).isEqualTo(threads * each);
    }

    @Test
    void acceptKeepsAnEventThatIsAlreadyNextAndRestampsOneThatIsNot() {
        EventLog log = new EventLog(16);
        ProviderEvent first = new ProviderEvent.ProviderRestarted(1, Long.MIN_VALUE + 5, "x", 3);
        log.accept(first);
        log.accept(new ProviderEvent.ProviderRestarted(99, Long.MIN_VALUE, "x", 4)); // older time, wrong sequence
        List<ProviderEvent> h = log.history(_ -> true);
        assertThat(h.get(0)).isSameAs(first);
        assertThat(h.get(1)).isEqualTo(new ProviderEvent.ProviderRestarted(2, Long.MIN_VALUE + 5, "x", 4));
    }

    @Test
    void aSlowSubscriberGetsAGapAndNeverSlowsProducersOrOtherSubscribers() {
        EventLog log = new EventLog(64);
        Subscription slow = log.subscribe(0, _ -> true, 10);
        Subscription fast = log.subscribe(0, _ -> true, 10_000);
        for (int i = 0; i < 1000; i++) log.publish((s, n) -> message(s, n, "p", 0)); // no reader runs meanwhile
        List<LogEntry> got = drain(slow);
        assertThat(events(got)).extracting(ProviderEvent::sequence).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertThat(got.getLast()).isEqualTo(new LogEntry.Gap(11, 1000, 990));
        assertThat(slow.dropped()).isEqualTo(990);
        assertThat(events(drain(fast))).hasSize(1000);

        // the reader catches up part way; the gap is delivered in place, before later events
        for (int i = 0; i < 12; i++) log.publish((s, n) -> message(s, n, "p", 0)); // 1001..1010 queued, 1011-1012 dropped
        for (int i = 0; i < 5; i++) assertThat(slow.poll()).isInstanceOf(LogEntry.Recorded.class);
        log.publish((s, n) -> message(s, n, "p", 0)); // 1013
        got = drain(slow);
        assertThat(got).hasSize(7);
        assertThat(events(got.subList(0, 5))).extracting(ProviderEvent::sequence).containsExactly(1006L, 1007L, 1008L, 1009L, 1010L);
        assertThat(got.get(5)).isEqualTo(new LogEntry.Gap(1011, 1012, 2));
        assertThat(((LogEntry.Recorded) got.get(6)).event().sequence()).isEqualTo(1013);
    }

    @Test
    void lateSubscribersReadTheRingThenLiveEventsWithNothingTwiceAndNothingMissed() throws Exception {
        EventLog log = new EventLog(8);
        for (int i = 0; i < 20; i++) log.publish((s, n) -> message(s, n, "p", 0));
        Subscription all = log.subscribe(0, _ -> true, 100);
        Subscription since15 = log.subscribe(15, _ -> true, 100);
        Subscription since5 = log.subscribe(5, _ -> true, 100);
        log.publish((s, n) -> message(s, n, "p", 0));
        assertThat(events(drain(all))).extracting(ProviderEvent::sequence).containsExactly(13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L, 21L);
        assertThat(events(drain(since15))).extracting(ProviderEvent::sequence).containsExactly(16L, 17L, 18L, 19L, 20L, 21L);
        List<LogEntry> s5 = drain(since5);
        assertThat(s5.getFirst()).isEqualTo(new LogEntry.Gap(6, 12, -1)); // asked for history the ring lost
        assertThat(events(s5)).extracting(ProviderEvent::sequence).startsWith(13L).endsWith(21L);

        // a blocked reader wakes for a live event
        Subscription live = log.subscribe(log.lastSequence(), _ -> true, 4);
        Thread.ofPlatform().start(() -> log.publish((s, n) -> message(s, n, "late", 0)));
        LogEntry e = live.take(Duration.ofSeconds(5));
        assertThat(((LogEntry.Recorded) e).event().provider()).isEqualTo("late");
        live.close();
        assertThat(live.take(Duration.ofSeconds(5))).isNull();
        assertThat(log.subscriberCount()).isEqualTo(3);
    }

    @Test
    void theFlowFilterGivesOneFlowsHistoryAcrossProvidersInOrder() throws Exception {
        EventLog log = new EventLog(128);
        Subscription flow = log.subscribe(0, EventLog.flow(SampleEvents.FLOW), 100);
        for (EventStamp s : SampleEvents.all()) log.publish(s);
        List<ProviderEvent> got = events(drain(flow));
        assertThat(got).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("FlowOpened", "FlowVerdict", "PacketDecided", "FlowClosed", "ProviderMessage");
        assertThat(got).allMatch(e -> EventLog.flowOf(e) == SampleEvents.FLOW);
        assertThat(log.history(e -> e instanceof ProviderEvent.StatusChanged sc && sc.to() == ProviderStatus.CONNECTING)).hasSize(1);
    }
}
