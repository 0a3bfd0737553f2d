package dev.netext.linux.diag;

import dev.netext.api.flow.TransportProtocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** One connection across sweeps: its counters, its end, and a flow that outlives its entry. */
class ConntrackWatchTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("10.0.0.1", 40000),
            SERVER = new InetSocketAddress("10.0.0.2", 53);
    private static final Map<ConntrackTable.Tuple, ConntrackTable.Entry> NONE = Map.of();

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
