package dev.netext.daemon.capture;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Flow numbering and comments, and the contract on untrusted bytes: never throws (seeded random + mutations). */
class CaptureFlowsTest {
    static final byte[] ICMP_REQUEST = HexFormat.of().parseHex("4500001c00014000400126da0a0000010a000002" + "08000000abcd0001");
    static final byte[] ICMP_REPLY = HexFormat.of().parseHex("4500001c00014000400126da0a0000020a000001" + "00000000abcd0001");
    static final byte[] UDP6 = HexFormat.of().parseHex("60000000000c1140" + "fd000000000000000000000000000001"
            + "fd000000000000000000000000000002" + "9c400035000c0000" + "68692121");

    private static CapturedPacket p(byte[] d, boolean in) {
        return new CapturedPacket(0, in, d, d.length);
    }

    @Test
    void bothDirectionsOfAConversationShareANumber() {
        CaptureFlows f = new CaptureFlows();
        CaptureFlows.Described req = f.describe(p(ICMP_REQUEST, false));
        CaptureFlows.Described rep = f.describe(p(ICMP_REPLY, true));
        CaptureFlows.Described udp = f.describe(p(UDP6, false));
        assertThat(req.comment()).isEqualTo("flow=1 dir=out icmp 10.0.0.1 > 10.0.0.2");
        assertThat(rep.comment()).isEqualTo("flow=1 dir=in icmp 10.0.0.2 > 10.0.0.1");
        assertThat(udp.comment()).isEqualTo("flow=2 dir=out udp [fd00:0:0:0:0:0:0:1]:40000 > [fd00:0:0:0:0:0:0:2]:53");
        byte[] otherId = ICMP_REQUEST.clone();
        otherId[24] = 0x11; // another echo identifier: another ping, another flow
        assertThat(f.describe(p(otherId, false)).flow()).isEqualTo(3);
    }

    @Test
    void anyBytesGiveADescriptionNeverAnException() {
        CaptureFlows f = new CaptureFlows();
        Random r = new Random(7);
        byte[][] seeds = {ICMP_REQUEST, ICMP_REPLY, UDP6, {}, {0x45}, {0x60, 0, 0}};
        for (int i = 0; i < 100_000; i++) {
            byte[] d;
            if (i % 2 == 0) {
                d = new byte[r.nextInt(80)];
                r.nextBytes(d);
            } else {
                byte[] s = seeds[r.nextInt(seeds.length)];
                d = java.util.Arrays.copyOf(s, s.length == 0 ? 0 : r.nextInt(s.length + 1));
                for (int k = 0; k < 3 && d.length > 0; k++) d[r.nextInt(d.length)] = (byte) r.nextInt();
            }
            CaptureFlows.Described x = f.describe(p(d, r.nextBoolean()));
            assertThat(x.comment()).contains("dir=");
            assertThat(x.flow()).isBetween(0, CaptureFlows.MAX_FLOWS);
        }
    }
}
