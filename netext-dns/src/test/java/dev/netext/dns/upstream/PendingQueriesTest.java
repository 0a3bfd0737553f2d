package dev.netext.dns.upstream;

import dev.netext.dns.wire.DnsWire;
import dev.netext.dns.wire.TestMessages;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The in-flight rules every upstream shares: wire IDs, matching on ID and question, timeouts, failing. */
class PendingQueriesTest {
    private final EventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stop() { loop.shutdownGracefully(0, 1, TimeUnit.SECONDS); }

    private <T> T on(Callable<T> c) throws Exception { return loop.submit(c).get(5, TimeUnit.SECONDS); }

    /** A NOERROR response (no records) to {@code name} A with ID {@code id}. */
    private static byte[] resp(int id, String name, int type) {
        return TestMessages.response(TestMessages.query(id, name, type), 0, false, new byte[0][], new byte[0][], -1);
    }

    private PendingQueries pending(int fixedId) {
        return new PendingQueries("udp://192.0.2.1:53", new UpstreamIo(loop, 0), loop, fixedId);
    }

    @Test
    void aResponseCompletesOnlyWithItsIdAndQuestionAndGetsTheCallersIdBack() throws Exception {
        PendingQueries p = pending(-1);
        byte[] q = TestMessages.query(0x1234, "www.example.com", 1);
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        int wireId = on(() -> {
            p.add(q, q.length, 10_000, result, () -> {});
            return DnsWire.u16(q, DnsWire.ID);
        });
        byte[] other = resp(wireId, "www.example.org", 1);
        byte[] late = resp(wireId ^ 1, "www.example.com", 1);
        byte[] right = resp(wireId, "www.example.com", 1);
        assertThat(on(() -> p.answer(other, other.length))).as("another question: spoofed, ignored").isFalse();
        assertThat(on(() -> p.answer(late, late.length))).as("an ID nobody waits for").isFalse();
        assertThat(result).isNotDone();
        assertThat(on(() -> p.answer(right, right.length))).isTrue();
        assertThat(DnsWire.u16(result.get(), DnsWire.ID)).isEqualTo(0x1234);
        assertThat(on(p::isEmpty)).isTrue();
    }

    @Test
    void aQueryTimesOutAndRunsItsTimeoutAction() throws Exception {
        PendingQueries p = pending(-1);
        byte[] q = TestMessages.query(7, "slow.example", 1);
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        CompletableFuture<Boolean> ran = new CompletableFuture<>();
        on(() -> p.add(q, q.length, 50, result, () -> ran.complete(true)));
        assertThat(ran.get(5, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(result::get).isInstanceOf(ExecutionException.class).hasMessageContaining("no answer within 50 ms");
        assertThat(on(p::size)).isZero();
    }

    @Test
    void aFixedIdTransportMatchesPerQueryAndFailsAWrongAnswer() throws Exception {
        PendingQueries p = pending(0);
        byte[] q1 = TestMessages.query(0x0101, "a.example", 1);
        byte[] q2 = TestMessages.query(0x0202, "b.example", 1);
        CompletableFuture<byte[]> r1 = new CompletableFuture<>(), r2 = new CompletableFuture<>();
        var first = on(() -> p.add(q1, q1.length, 10_000, r1, () -> {}));
        var second = on(() -> p.add(q2, q2.length, 10_000, r2, () -> {}));
        assertThat(DnsWire.u16(q1, DnsWire.ID)).isZero();
        assertThat(DnsWire.u16(q2, DnsWire.ID)).isZero();
        on(() -> { p.answer(first, resp(0, "a.example", 1)); return null; });
        assertThat(DnsWire.u16(r1.get(), DnsWire.ID)).isEqualTo(0x0101);
        on(() -> { p.answer(second, resp(0, "a.example", 1)); return null; }); // not its question
        assertThatThrownBy(r2::get).hasMessageContaining("does not answer the question");
        assertThat(on(p::isEmpty)).isTrue();
    }
}
