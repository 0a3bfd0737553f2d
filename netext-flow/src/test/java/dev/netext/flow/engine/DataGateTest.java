package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.filter.DataVerdict;
import dev.netext.api.filter.FinalVerdict;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DataGateTest {
    private final StringBuilder forwarded = new StringBuilder();
    private final List<String> shown = new ArrayList<>();
    private final List<Long> offsets = new ArrayList<>();
    private final Deque<DataVerdict> answers = new ArrayDeque<>();
    private FinalVerdict.Drop dropped;

    private DataGate gate(int peek) {
        return new DataGate(peek, new DataGate.Sink() {
            @Override public void forward(ByteBuf b) {
                forwarded.append(b.toString(StandardCharsets.US_ASCII));
                b.release();
            }

            @Override public void drop(FinalVerdict.Drop d) { dropped = d; }
        }, (off, data) -> {
            offsets.add(off);
            shown.add(StandardCharsets.US_ASCII.decode(data.duplicate()).toString());
            return answers.isEmpty() ? FinalVerdict.ALLOW : answers.poll();
        }, ByteBufAllocator.DEFAULT);
    }

    private static ByteBuf bytes(String s) { return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII); }

    @Test
    void unfilteredDirectionForwardsEverything() {
        DataGate g = gate(0);
        g.onData(bytes("abc"));
        g.onBurstEnd();
        assertThat(forwarded).hasToString("abc");
        assertThat(shown).isEmpty();
    }

    @Test
    void holdsUntilShownThenPassesAndPeeks() {
        DataGate g = gate(4);
        answers.add(DataVerdict.passAndPeek(6, 3)); // pass "GET /x" (6), then show 3 more
        g.onData(bytes("GE"));
        assertThat(shown).isEmpty(); // fewer than 4 bytes and the burst goes on: wait
        g.onData(bytes("T /x HTTP"));
        // "GET " shown at 0; "GET /x" passed (beyond what was shown, unseen); then 3 bytes shown at offset 6
        assertThat(shown).containsExactly("GET ", " HT");
        assertThat(offsets).containsExactly(0L, 6L);
        assertThat(g.allowed()).isTrue(); // second answer: allow
        assertThat(forwarded).hasToString("GET /x HTTP");
        g.onData(bytes("/1.1"));
        assertThat(forwarded).hasToString("GET /x HTTP/1.1");
    }

    @Test
    void shortDataIsShownAtBurstEndAndDropStopsEverything() {
        DataGate g = gate(1024);
        answers.add(FinalVerdict.DROP);
        g.onData(bytes("hi"));
        assertThat(shown).isEmpty();
        g.onBurstEnd();
        assertThat(shown).containsExactly("hi");
        assertThat(dropped).isEqualTo(FinalVerdict.DROP);
        g.onData(bytes("more"));
        assertThat(forwarded).isEmpty();
    }

    @Test
    void passBeyondWhatArrivedLetsLaterBytesThroughUnseen() {
        DataGate g = gate(2);
        answers.add(DataVerdict.passAndPeek(10, 2));
        answers.add(FinalVerdict.DROP);
        g.onData(bytes("ab"));
        assertThat(forwarded).hasToString("ab");
        g.onData(bytes("cdefghij")); // offsets 2..9: passed without a look
        assertThat(shown).containsExactly("ab");
        g.onData(bytes("KL"));
        assertThat(shown).containsExactly("ab", "KL");
        assertThat(forwarded).hasToString("abcdefghij");
        assertThat(dropped).isNotNull();
    }

    @Test
    void aPeekThatPassesNothingIsAskedAgainOnlyWithNewBytes() {
        DataGate g = gate(8);
        answers.add(DataVerdict.passAndPeek(0, 8));
        answers.add(DataVerdict.passAndPeek(0, 8));
        g.onData(bytes("abc"));
        g.onBurstEnd();
        g.onBurstEnd();
        g.onBurstEnd();
        assertThat(shown).containsExactly("abc");
        g.onData(bytes("d"));
        g.onBurstEnd();
        assertThat(shown).containsExactly("abc", "abcd");
        assertThat(forwarded).isEmpty();
        assertThat(g.heldBytes()).isEqualTo(4);
    }

    @Test
    void randomVerdictsNeverReorderOrDuplicateBytes() {
        Random r = new Random(7);
        for (int round = 0; round < 200; round++) {
            forwarded.setLength(0);
            shown.clear();
            answers.clear();
            dropped = null;
            for (int i = 0; i < 50; i++)
                answers.add(r.nextInt(10) == 0 ? FinalVerdict.ALLOW
                        : DataVerdict.passAndPeek(r.nextInt(20), 1 + r.nextInt(10)));
            StringBuilder sent = new StringBuilder();
            DataGate g = gate(1 + r.nextInt(16));
            for (int i = 0; i < 30; i++) {
                StringBuilder chunk = new StringBuilder();
                for (int k = r.nextInt(12); k >= 0; k--) chunk.append((char) ('a' + r.nextInt(26)));
                sent.append(chunk);
                g.onData(bytes(chunk.toString()));
                if (r.nextBoolean()) g.onBurstEnd();
            }
            assertThat(sent.toString()).startsWith(forwarded.toString());
            g.close();
        }
    }
}
