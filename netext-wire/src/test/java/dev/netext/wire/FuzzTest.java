package dev.netext.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded fuzzing of every parser and the reflector: random bytes, and mutations of the Scapy vectors (truncation,
 * byte flips, bogus lengths/IHL/data offsets, extension-header loops). The contract: {@code check()} throws nothing
 * but {@link MalformedPacketException}; after it passes every accessor and checksum helper runs without throwing;
 * the reflector never throws and returns -1 or a length within the window; nothing loops (method timeouts).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FuzzTest {

    private static final int ROUNDS = 200_000;

    private final Ipv4Packet v4 = new Ipv4Packet();
    private final Ipv6Packet v6 = new Ipv6Packet();
    private final IcmpV4Packet icmp4 = new IcmpV4Packet();
    private final IcmpV6Packet icmp6 = new IcmpV6Packet();
    private final UdpPacket udp = new UdpPacket();
    private final TcpPacket tcp = new TcpPacket();
    private final PacketReflector reflector = new PacketReflector(AddressSet.of(new byte[] {10, 0, 0, 9}));
    private long sink;

    @Test
    void randomBytes() {
        Random rnd = new Random(0xF022);
        byte[] data = new byte[256];
        for (int i = 0; i < ROUNDS; i++) {
            int len = rnd.nextInt(data.length + 1);
            rnd.nextBytes(data);
            // Bias the first nibble towards 4 and 6 so the IP parsers get past the version check.
            switch (rnd.nextInt(3)) {
                case 0 -> data[0] = (byte) (0x40 | data[0] & 0x0F);
                case 1 -> data[0] = (byte) (0x60 | data[0] & 0x0F);
                default -> { }
            }
            exercise(data, len);
        }
    }

    @Test
    void mutatedValidPackets() {
        Random rnd = new Random(0xBAD);
        List<byte[]> seeds = new ArrayList<>(Vectors.all().values());
        seeds.add(Ipv6PacketTest.chain(Ipv6Packet.MAX_EXTENSION_HEADERS, IpProtocol.UDP));
        for (int i = 0; i < ROUNDS; i++) {
            byte[] seed = seeds.get(rnd.nextInt(seeds.size()));
            byte[] data = java.util.Arrays.copyOf(seed, seed.length + rnd.nextInt(16));
            int len = data.length;
            int mutations = 1 + rnd.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                switch (rnd.nextInt(8)) {
                    case 0 -> len = rnd.nextInt(len + 1);                                         // truncate
                    case 1 -> data[rnd.nextInt(data.length)] ^= (byte) (1 << rnd.nextInt(8));     // bit flip
                    case 2 -> data[rnd.nextInt(data.length)] = (byte) rnd.nextInt();              // byte replace
                    case 3 -> data[0] = (byte) (data[0] & 0xF0 | rnd.nextInt(16));                // bogus IHL
                    case 4 -> {                                                                    // bogus 16-bit length
                        int at = new int[] {2, 4, 24, 44, 32, 52}[rnd.nextInt(6)];
                        if (at + 1 < data.length) {
                            data[at] = (byte) rnd.nextInt();
                            data[at + 1] = (byte) rnd.nextInt();
                        }
                    }
                    case 5 -> {                                                                    // ext header loop/garbage
                        if (data.length > 48) {
                            int at = 40 + 8 * rnd.nextInt((data.length - 40) / 8);
                            data[at] = (byte) new int[] {0, 43, 44, 51, 60, 135}[rnd.nextInt(6)];
                            data[at + 1] = (byte) rnd.nextInt(4);
                        }
                    }
                    case 6 -> data[6] = (byte) new int[] {0, 43, 44, 50, 51, 59, 60, 6, 17, 58}[rnd.nextInt(10)];
                    default -> data[9] = (byte) new int[] {1, 6, 17, 58}[rnd.nextInt(4)];
                }
            }
            exercise(data, len);
        }
    }

    @Test
    void extremeWindows() {
        byte[] v = Vectors.bytes("v4_udp_request");
        ByteBuffer buf = ByteBuffer.wrap(v);
        int[] bad = {-1, 0, 1, v.length, v.length + 1, Integer.MAX_VALUE, Integer.MIN_VALUE};
        for (int off : bad) {
            for (int len : bad) {
                assertThat(v4.tryWrap(buf, off, len) && off == 0 && len >= 41).isEqualTo(v4.tryWrap(buf, off, len));
                v6.tryWrap(buf, off, len);
                icmp4.tryWrap(buf, off, len);
                icmp6.tryWrap(buf, off, len);
                udp.tryWrap(buf, off, len);
                tcp.tryWrap(buf, off, len);
                assertThat(reflector.reflect(buf, off, len)).isLessThanOrEqualTo(Math.max(len, -1));
            }
        }
    }

    private void exercise(byte[] data, int len) {
        ByteBuffer buf = ByteBuffer.wrap(data);
        // Each check() must either pass or throw the declared exception: nothing else.
        for (Checker c : new Checker[] {
                () -> Ipv4Packet.of(buf, 0, len), () -> Ipv6Packet.of(buf, 0, len), () -> UdpPacket.of(buf, 0, len),
                () -> TcpPacket.of(buf, 0, len), () -> IcmpV4Packet.of(buf, 0, len), () -> IcmpV6Packet.of(buf, 0, len)}) {
            try {
                c.run();
            } catch (MalformedPacketException expected) {
                // the declared outcome for garbage
            }
        }
        if (v4.tryWrap(buf, 0, len)) {
            readAll(v4);
            if (icmp4.tryWrap(v4)) {
                readAll(icmp4);
                sink += icmp4.verifyChecksum() ? 1 : 0;
                tryParse(() -> IcmpEchoRepr.parse(icmp4));
            }
            transport(v4);
            tryParse(() -> Ipv4Repr.parse(v4));
        }
        if (v6.tryWrap(buf, 0, len)) {
            readAll(v6);
            assertThat(v6.upperLayerOffset()).isBetween(40, len);
            assertThat(v6.upperLayerLength()).isBetween(0, len - 40);
            if (icmp6.tryWrap(v6)) {
                readAll(icmp6);
                sink += icmp6.verifyChecksum(v6) ? 1 : 0;
                tryParse(() -> IcmpEchoRepr.parse(icmp6));
            }
            transport(v6);
            tryParse(() -> Ipv6Repr.parse(v6));
        }
        if (udp.tryWrap(buf, 0, len)) {
            sink += udp.sourcePort() + udp.destinationPort() + udp.payloadOffset() + udp.payloadLength() + udp.checksum();
        }
        if (tcp.tryWrap(buf, 0, len)) {
            sink += tcp.optionsLength() + tcp.payloadLength() + tcp.flags();
        }
        byte[] before = data.clone();
        int requestIntact = transportIntact(buf, len);
        int n = reflector.reflect(buf, 0, len);
        if (n == PacketReflector.DROP) {
            assertThat(data).isEqualTo(before);
        } else {
            assertThat(n).isBetween(20, len);
            try {
                // Incremental updates preserve checksum validity exactly: a good request gives a good reply, a
                // corrupted one a reply its sender will reject.
                boolean replyIntact = PacketReflectorTest.transportChecksumVerifies(buf, 0, n);
                assertThat(replyIntact ? 1 : 0).isEqualTo(requestIntact);
            } catch (MalformedPacketException e) {
                throw new AssertionError("reflector produced an unparseable reply", e);
            }
        }
    }

    /** 1 if the packet's ICMP/UDP checksum verifies, 0 if not, -1 if it is not such a packet. */
    private int transportIntact(ByteBuffer buf, int len) {
        IpPacket ip = v4.tryWrap(buf, 0, len) ? v4 : v6.tryWrap(buf, 0, len) ? v6 : null;
        if (ip == null) {
            return -1;
        }
        return switch (ip.upperLayerProtocol()) {
            case IpProtocol.ICMP -> icmp4.tryWrap(buf, ip.upperLayerOffset(), ip.upperLayerLength()) ? (icmp4.verifyChecksum() ? 1 : 0) : -1;
            case IpProtocol.ICMPV6 -> ip == v6 && icmp6.tryWrap(v6) ? (icmp6.verifyChecksum(v6) ? 1 : 0) : -1;
            case IpProtocol.UDP -> udp.tryWrap(ip) ? (udp.verifyChecksum(ip) ? 1 : 0) : -1;
            default -> -1;
        };
    }

    private void transport(IpPacket ip) {
        if (udp.tryWrap(ip)) {
            sink += udp.sourcePort() + udp.destinationPort() + udp.datagramLength() + udp.checksum()
                    + udp.payloadOffset() + udp.payloadLength() + (udp.verifyChecksum(ip) ? 1 : 0);
            tryParse(() -> UdpRepr.parse(udp));
        }
        if (tcp.tryWrap(ip)) {
            sink += tcp.sourcePort() + tcp.destinationPort() + tcp.sequenceNumber() + tcp.acknowledgmentNumber()
                    + tcp.headerLength() + tcp.flags() + tcp.window() + tcp.checksum() + tcp.urgentPointer()
                    + tcp.optionsOffset() + tcp.optionsLength() + tcp.payloadOffset() + tcp.payloadLength()
                    + (tcp.verifyChecksum(ip) ? 1 : 0);
        }
    }

    private void readAll(Ipv4Packet p) {
        sink += p.version() + p.headerLength() + p.dscp() + p.ecn() + p.totalLength() + p.identification()
                + (p.dontFragment() ? 1 : 0) + (p.moreFragments() ? 1 : 0) + p.fragmentOffset() + p.ttl()
                + p.protocol() + p.headerChecksum() + p.sourceAddress() + p.destinationAddress()
                + p.payloadOffset() + p.payloadLength() + (p.verifyChecksum() ? 1 : 0)
                + p.pseudoHeaderSum(IpProtocol.UDP, p.payloadLength()) + (p.isFragment() ? 1 : 0);
        assertThat(p.payloadOffset() + p.payloadLength()).isLessThanOrEqualTo(p.length());
    }

    private void readAll(Ipv6Packet p) {
        sink += p.version() + p.trafficClass() + p.dscp() + p.ecn() + p.flowLabel() + p.payloadLength()
                + p.nextHeader() + p.hopLimit() + p.sourceAddressHigh() + p.sourceAddressLow()
                + p.destinationAddressHigh() + p.destinationAddressLow() + p.extensionHeaderCount()
                + p.fragmentHeaderOffset() + p.routingHeaderOffset() + p.routingSegmentsLeft() + p.fragmentOffset()
                + (p.moreFragments() ? 1 : 0) + p.upperLayerProtocol() + p.upperLayerOffset() + p.upperLayerLength()
                + p.pseudoHeaderSum(IpProtocol.UDP, p.upperLayerLength()) + p.packetLength();
    }

    private void readAll(IcmpPacket p) {
        sink += p.type() + p.code() + p.checksum() + p.typeCodeWord() + p.restOfHeader() + p.echoIdentifier()
                + p.echoSequence() + p.payloadOffset() + p.payloadLength();
    }

    private static void tryParse(Checker c) {
        try {
            c.run();
        } catch (MalformedPacketException expected) {
            // declared
        }
    }

    @FunctionalInterface
    private interface Checker {
        void run() throws MalformedPacketException;
    }
}
