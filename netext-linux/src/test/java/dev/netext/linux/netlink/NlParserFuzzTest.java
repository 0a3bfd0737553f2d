package dev.netext.linux.netlink;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded fuzzing of the parser and decoders: random datagrams and mutations of valid ones must either parse or raise
 * {@link NetlinkFormatException}, nothing else, and never loop.
 */
class NlParserFuzzTest {
    private static final long SEED = 0x5EED_2025L;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void randomBytes() {
        Random rnd = new Random(SEED);
        int parsed = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] b = new byte[rnd.nextInt(160)];
            rnd.nextBytes(b);
            if (b.length >= 4 && rnd.nextBoolean()) { // make the first length plausible so deeper code runs
                ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putInt(0, 16 + rnd.nextInt(b.length - 3));
                if (b.length >= 6) b[4] = (byte) (rnd.nextInt(40));
                if (b.length >= 6) b[5] = 0;
            }
            parsed += exercise(b);
        }
        assertThat(parsed).isPositive();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void mutationsOfValidMessages() {
        List<byte[]> corpus = corpus();
        Random rnd = new Random(SEED + 1);
        int parsed = 0;
        for (int i = 0; i < 30_000; i++) {
            byte[] b = corpus.get(rnd.nextInt(corpus.size())).clone();
            int mutations = 1 + rnd.nextInt(4);
            for (int k = 0; k < mutations; k++) {
                switch (rnd.nextInt(5)) {
                    case 0 -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                    case 1 -> b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                    case 2 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                    case 3 -> { // corrupt a 16-bit length-like field on a 4-byte boundary
                        if (b.length >= 4) {
                            int at = rnd.nextInt(b.length / 4) * 4;
                            ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putShort(at, (short) rnd.nextInt(0x10000));
                        }
                    }
                    default -> b = java.util.Arrays.copyOf(b, b.length + rnd.nextInt(8));
                }
                if (b.length == 0) break;
            }
            parsed += exercise(b);
        }
        assertThat(parsed).isPositive();
    }

    /** Parses and decodes everything reachable; returns 1 if it all parsed, 0 if it raised the declared exception. */
    private static int exercise(byte[] data) {
        try {
            for (NlMessage m : NlParser.parse(ByteBuffer.wrap(data).order(ByteOrder.nativeOrder()))) {
                decodeAll(m);
                // also as every other type, so each decoder meets every payload
                NlMessage asError = new NlMessage(NetlinkH.NLMSG_ERROR, m.flags(), m.seq(), m.pid(), m.payload());
                swallow(() -> asError.error());
                for (int hdr : new int[] {0, 8, 12, 16}) swallow(() -> walk(m.attributes(hdr), 0));
            }
            return 1;
        } catch (NetlinkFormatException expected) {
            return 0;
        }
    }

    private static void decodeAll(NlMessage m) {
        swallow(() -> Link.decode(m));
        swallow(() -> Address.decode(m));
        swallow(() -> Route.decode(m));
        swallow(() -> Rule.decode(m));
    }

    private static void walk(NlAttributes a, int depth) {
        if (depth > 3) return;
        for (NlAttributes.Attr at : a.all()) {
            swallow(() -> at.type());
            swallow(() -> a.string(at.type()));
            swallow(() -> a.address(at.type()));
            swallow(() -> a.u32(at.type(), 0));
            swallow(() -> walk(a.nested(at.type()), depth + 1));
        }
    }

    private static void swallow(Runnable r) {
        try {
            r.run();
        } catch (NetlinkFormatException expected) {
            // the only exception allowed
        }
    }

    private static List<byte[]> corpus() {
        List<byte[]> c = new ArrayList<>();
        c.add(Bytes.hex(NlParserTest.LINK_DUMP).array());
        c.add(RtnlRequests.rule(RtnetlinkH.RTM_NEWRULE, RtnlRequests.NEW,
                Rule.lookup(IpFamily.V4, 51820).withFwmark(0xca6c).inverted().withFrom(IpPrefix.parse("10.0.0.0/8")))
                .build(1, 0).array());
        c.add(RtnlRequests.newRoute(RtnlRequests.NEW, Route.to(IpPrefix.parse("2001:db8::/32"))
                .withGateway(IpPrefix.parseAddress("fd00::1")).withTable(51820).withMetric(5)).build(2, 0).array());
        c.add(RtnlRequests.address(RtnetlinkH.RTM_NEWADDR, RtnlRequests.NEW, 3, IpPrefix.parse("fd00::1/64"))
                .build(3, 0).array());
        c.add(Bytes.hex("""
                44000000 0200 0003 07000000 d2040000
                efffffff 34000000 1400 0506 07000000 d2040000
                1d000100 41646472 65737320 616c7265 61647920 61737369 676e6564 00000000""").array());
        c.add(Bytes.hex("""
                38000000 0200 0002 09000000 00000000
                eaffffff 14000000 1000 0500 09000000 00000000 aabbccdd
                08000100 62616400 08000200 10000000""").array());
        return c;
    }
}
