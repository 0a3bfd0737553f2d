package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.filter.DataVerdict;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;

class DatagramGateTest {
    private final List<Long> shownAt = new ArrayList<>();
    private final Queue<DataVerdict> answers = new ArrayDeque<>();

    private DatagramGate gate(boolean watch) {
        return new DatagramGate(watch, (off, data) -> {
            shownAt.add(off);
            assertThat(data.isReadOnly()).isTrue();
            return answers.remove();
        });
    }

    private static ByteBuffer bytes(int n) { return ByteBuffer.allocate(n); }

    @Test
    void unwatchedPassesEverythingUnseen() {
        DatagramGate g = gate(false);
        assertThat(g.offer(bytes(100))).isEqualTo(DatagramGate.Outcome.PASS);
        assertThat(shownAt).isEmpty();
    }

    @Test
    void passAndPeekPassesCoveredDatagramsUnseenAndDiscardsOnesItDoesNotCover() {
        DatagramGate g = gate(true);
        answers.add(DataVerdict.passAndPeek(300, 10));     // covers this 100 and the next 200
        assertThat(g.offer(bytes(100))).isEqualTo(DatagramGate.Outcome.PASS);
        assertThat(g.offer(bytes(200))).isEqualTo(DatagramGate.Outcome.PASS);
        answers.add(DataVerdict.passAndPeek(10, 10));      // shown at 300, only 10 of 50 passed: discarded
        assertThat(g.offer(bytes(50))).isEqualTo(DatagramGate.Outcome.DISCARD);
        answers.add(FinalVerdict.ALLOW);
        assertThat(g.offer(bytes(1))).isEqualTo(DatagramGate.Outcome.PASS);
        assertThat(g.offer(bytes(1000))).isEqualTo(DatagramGate.Outcome.PASS);
        assertThat(shownAt).containsExactly(0L, 300L, 350L);
        assertThat(g.watching()).isFalse();
    }

    @Test
    void dropEndsTheFlowForEveryLaterDatagram() {
        DatagramGate g = gate(true);
        answers.add(FinalVerdict.DROP_SILENTLY);
        assertThat(g.offer(bytes(10))).isEqualTo(DatagramGate.Outcome.DROP_FLOW);
        assertThat(g.drop().mode()).isEqualTo(DropMode.SILENT);
        assertThat(g.offer(bytes(10))).isEqualTo(DatagramGate.Outcome.DROP_FLOW);
        assertThat(shownAt).containsExactly(0L);
    }

    @Test
    void aThrowingFilterGetsTheFailureVerdictAllow() {
        DatagramGate g = new DatagramGate(true, (off, data) -> { throw new IllegalStateException("bug"); });
        assertThat(g.offer(bytes(10))).isEqualTo(DatagramGate.Outcome.PASS);
        assertThat(g.watching()).isFalse();
    }

    @Test
    void aTrainPassesUnseenOnlyWhileNothingWatchesAndCountsItsBytes() {
        DatagramGate g = gate(true);
        assertThat(g.passUnseen(Unpooled.buffer(300).writerIndex(300))).as("watched: cut it").isFalse();
        answers.add(FinalVerdict.ALLOW); // ends watching
        assertThat(g.offer(bytes(100))).isEqualTo(DatagramGate.Outcome.PASS);
        assertThat(g.passUnseen(Unpooled.buffer(300).writerIndex(300))).isTrue();
        DatagramGate u = gate(false);
        assertThat(u.passUnseen(Unpooled.buffer(300).writerIndex(300))).isTrue();
        assertThat(shownAt).containsExactly(0L);
    }
}
