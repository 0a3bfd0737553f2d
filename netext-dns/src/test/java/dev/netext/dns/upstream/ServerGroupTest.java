package dev.netext.dns.upstream;

import dev.netext.api.flow.Endpoint;
import dev.netext.dns.wire.DnsWire;
import dev.netext.dns.wire.TestMessages;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A group's failover and its servers' health, with upstreams that answer as scripted (no sockets). */
class ServerGroupTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final byte[] query = TestMessages.query(7, "big.foo.mycompany.com", 16);

    /** An upstream whose n-th exchange (from 0) completes as {@code answer} says; it counts its exchanges. */
    static final class Scripted implements Upstream {
        final AtomicInteger calls = new AtomicInteger();
        final String name;
        final IntFunction<CompletableFuture<byte[]>> answer;

        Scripted(String name, IntFunction<CompletableFuture<byte[]>> answer) {
            this.name = name;
            this.answer = answer;
        }

        @Override public Endpoint address() { return Endpoint.parse("127.0.0.1:53"); }
        @Override public String describe() { return name; }
        @Override public CompletableFuture<byte[]> exchange(byte[] q, int length, int questionEnd, long timeoutMillis) {
            return answer.apply(calls.getAndIncrement());
        }
        @Override public void close() {}
    }

    private CompletableFuture<byte[]> answer(boolean truncated) {
        return CompletableFuture.completedFuture(TestMessages.response(query, 0, truncated, new byte[0][], new byte[0][], -1));
    }

    private static CompletableFuture<byte[]> timeout() {
        return CompletableFuture.failedFuture(new UpstreamException(UpstreamException.Kind.TIMEOUT, "no answer within 1000 ms"));
    }

    private UpstreamServer server(Upstream primary, Upstream tcp) {
        return new UpstreamServer(new ServerSpec.Plain(Endpoint.parse("127.0.0.1:53")), primary, tcp, now::get);
    }

    private ServerGroup group(UpstreamServer... servers) {
        return new ServerGroup("corp", 1, List.of(servers), false, now::get);
    }

    @Test
    void aFailedTcpRetryOfATruncatedAnswerFailsTheQueryButLeavesTheServerHealthy() throws Exception {
        Scripted udp = new Scripted("udp", n -> answer(true));
        Scripted tcp = new Scripted("tcp", n -> timeout());
        UpstreamServer corp = server(udp, tcp);
        ServerGroup group = group(corp);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> group.exchange(query, query.length, query.length, 1000, 3000).get(1, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(UpstreamServer.TruncationRetryFailed.class)
                    .hasMessageContaining("no answer within");
        }
        assertThat(corp.consecutiveFailures()).isZero();
        assertThat(corp.healthy()).isTrue();
        assertThat(tcp.calls.get()).isEqualTo(6); // each query still had its two attempts
    }

    @Test
    void aTruncatedAnswerIsAskedAgainOverTcp() throws Exception {
        Scripted udp = new Scripted("udp", n -> answer(true));
        Scripted tcp = new Scripted("tcp", n -> answer(false));
        UpstreamServer.Answer a = group(server(udp, tcp)).exchange(query, query.length, query.length, 1000, 3000).get(1, TimeUnit.SECONDS);
        assertThat(a.viaTcp()).isTrue();
        assertThat(DnsWire.u16(a.message(), DnsWire.FLAGS) & DnsWire.FLAG_TC).isZero();
        assertThat(a.describe()).isEqualTo("tcp");
    }

    @Test
    void aServerMarkedDownIsStillAskedAtOnceWhenItIsTheGroupsOnlyOne() throws Exception {
        Scripted udp = new Scripted("udp", n -> n < 2 ? timeout() : answer(false));
        UpstreamServer corp = server(udp, null);
        ServerGroup group = group(corp);
        assertThatThrownBy(() -> group.exchange(query, query.length, query.length, 1000, 3000).get(1, TimeUnit.SECONDS))
                .cause().isInstanceOf(UpstreamException.class);
        assertThat(corp.healthy()).isFalse(); // two timeouts in a row: down for the back-off
        UpstreamServer.Answer a = group.exchange(query, query.length, query.length, 1000, 3000).get(1, TimeUnit.SECONDS);
        assertThat(a.server()).isSameAs(corp);
        assertThat(corp.healthy()).isTrue();
        assertThat(udp.calls.get()).isEqualTo(3);
    }

    @Test
    void aServerMarkedDownIsAskedAfterTheHealthyOnes() throws Exception {
        Scripted deadUdp = new Scripted("dead", n -> timeout());
        Scripted liveUdp = new Scripted("live", n -> answer(false));
        UpstreamServer dead = server(deadUdp, null);
        UpstreamServer live = server(liveUdp, null);
        ServerGroup group = group(dead, live);
        for (int i = 0; i < 2; i++) group.exchange(query, query.length, query.length, 1000, 3000).get(1, TimeUnit.SECONDS);
        assertThat(dead.healthy()).isFalse();
        assertThat(deadUdp.calls.get()).isEqualTo(2);
        group.exchange(query, query.length, query.length, 1000, 3000).get(1, TimeUnit.SECONDS);
        assertThat(deadUdp.calls.get()).isEqualTo(2); // the live one first now
        now.addAndGet(UpstreamServer.BASE_BACKOFF_NANOS);
        assertThat(dead.healthy()).isTrue(); // the back-off is over: first in order again
    }
}
