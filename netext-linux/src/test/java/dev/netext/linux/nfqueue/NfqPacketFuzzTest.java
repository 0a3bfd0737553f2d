package dev.netext.linux.nfqueue;

import dev.netext.linux.netlink.NetlinkFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded fuzzing of the queue message parser: random bytes, mutations of valid messages and a small corpus must
 * either parse or raise {@link NetlinkFormatException}; accessors of a parsed packet never throw.
 */
class NfqPacketFuzzTest {
    private static final long SEED = 0x6E66_7175L;

    private static final List<String> CORPUS = List.of(
            NfqCodecTest.PACKET,
            // IPv6 on input, with a nested NFQA_CT holding CTA_MARK, and NFQA_UID/GID
            """
            68000000 0003 0000 00000000 00000000
            0a 00 0007
            0b00 0100 00000001 86dd 01 00
            0800 0500 00000003
            1400 0b80 0800 0800 00060000 0800 0c00 00000001
            0800 1000 000003e8
            0800 1100 000003e8
            1c00 0a00 60000000 00000000 00000000 00000000 00000000 00000000
            """,
            // no payload (copy mode meta)
            "28000000 0003 0000 00000000 00000000 02000007 0b00 0100 00000009 0800 01 00 0800 0300 00000000");

    private static int exercise(byte[] b) {
        NfqPacket p = new NfqPacket();
        try {
            p.parse(MemorySegment.ofArray(b), 0, b.length);
        } catch (NetlinkFormatException e) {
            return 0;
        }
        // every accessor must be safe after a successful parse
        p.queue(); p.packetId(); p.hook(); p.mark(); p.inIfindex(); p.outIfindex(); p.ctInfo(); p.ctMark();
        p.isGso(); p.checksumNotReady(); p.toString();
        assertThat(p.payload().byteSize()).isEqualTo(p.payloadLength());
        if (p.payloadLength() > 0) p.payloadBuffer().get(p.payloadLength() - 1);
        return 1;
    }

    @Test
    void corpusParses() {
        for (String hex : CORPUS) assertThat(exercise(NfqCodecTest.bytes(hex))).as(hex).isEqualTo(1);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void randomBytes() {
        Random rnd = new Random(SEED);
        for (int i = 0; i < 30_000; i++) {
            byte[] b = new byte[rnd.nextInt(128)];
            rnd.nextBytes(b);
            if (b.length >= 20 && rnd.nextBoolean()) { // plausible header so the attribute walk runs
                ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, 20 + rnd.nextInt(b.length - 19)).putShort(4, (short) 0x0300);
            }
            exercise(b);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void mutationsOfValidMessages() {
        Random rnd = new Random(SEED + 1);
        int parsed = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] b = NfqCodecTest.bytes(CORPUS.get(rnd.nextInt(CORPUS.size())));
            int mutations = 1 + rnd.nextInt(3);
            for (int k = 0; k < mutations && b.length > 0; k++) {
                switch (rnd.nextInt(4)) {
                    case 0 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    case 1 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                    case 2 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                    default -> {
                        if (b.length >= 24) {
                            int at = 20 + rnd.nextInt((b.length - 20) / 4) * 4;
                            if (at + 2 <= b.length) ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putShort(at, (short) rnd.nextInt(0x10000));
                        }
                    }
                }
            }
            parsed += exercise(b);
        }
        assertThat(parsed).isPositive();
    }
}
