package dev.netext.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PacketReflectorTest {

    private final PacketReflector reflector = new PacketReflector();

    @ParameterizedTest
    @CsvSource({
        "v4_icmp_echo_request, v4_icmp_echo_reply",
        "v4_udp_request,       v4_udp_reply",
        "v6_icmp_echo_request, v6_icmp_echo_reply",
        "v6_udp_request,       v6_udp_reply"})
    void turnsScapyRequestIntoScapyReply(String request, String reply) {
        byte[] pkt = Vectors.bytes(request);
        int n = reflector.reflect(ByteBuffer.wrap(pkt), 0, pkt.length);
        assertThat(n).isEqualTo(pkt.length);
        assertThat(pkt).isEqualTo(Vectors.bytes(reply));
    }

    @Test
    void repliesVerifyAtAnOffsetInADirectBufferWithPadding() throws Exception {
        for (String name : new String[] {"v4_icmp_echo_request", "v4_udp_request", "v6_icmp_echo_request", "v6_udp_request",
                "v6_hbh_dst_udp", "v4_udp_checksum_ffff"}) {
            byte[] pkt = Vectors.bytes(name);
            ByteBuffer buf = ByteBuffer.allocateDirect(pkt.length + 64);
            buf.put(13, pkt);
            int n = reflector.reflect(buf, 13, pkt.length + 7);
            assertThat(n).as(name).isEqualTo(pkt.length);
            assertRepliesVerify(buf, 13, n);
        }
    }

    static void assertRepliesVerify(ByteBuffer buf, int off, int n) throws MalformedPacketException {
        assertThat(transportChecksumVerifies(buf, off, n)).isTrue();
    }

    /**
     * Parses a reflected packet (it must be an echo reply or UDP with TTL 64 and a valid IPv4 header checksum) and
     * returns whether its transport checksum verifies.
     */
    static boolean transportChecksumVerifies(ByteBuffer buf, int off, int n) throws MalformedPacketException {
        IpPacket ip;
        if ((buf.get(off) & 0xF0) == 0x40) {
            Ipv4Packet v4 = Ipv4Packet.of(buf, off, n);
            assertThat(v4.verifyChecksum()).isTrue();
            ip = v4;
        } else {
            ip = Ipv6Packet.of(buf, off, n);
        }
        assertThat(ip.hopLimit()).isEqualTo(64);
        switch (ip.upperLayerProtocol()) {
            case IpProtocol.ICMP -> {
                IcmpV4Packet icmp = IcmpV4Packet.of(buf, ip.upperLayerOffset(), ip.upperLayerLength());
                assertThat(icmp.type()).isEqualTo(IcmpV4Packet.TYPE_ECHO_REPLY);
                return icmp.verifyChecksum();
            }
            case IpProtocol.ICMPV6 -> {
                IcmpV6Packet icmp = IcmpV6Packet.of(buf, ip.upperLayerOffset(), ip.upperLayerLength());
                assertThat(icmp.type()).isEqualTo(IcmpV6Packet.TYPE_ECHO_REPLY);
                return icmp.verifyChecksum((Ipv6Packet) ip);
            }
            case IpProtocol.UDP -> {
                return UdpPacket.of(buf, ip.upperLayerOffset(), ip.upperLayerLength()).verifyChecksum(ip);
            }
            default -> throw new AssertionError("unexpected protocol " + ip.upperLayerProtocol());
        }
    }

    @Test
    void reflectingTwiceRestoresAddressesAndPorts() {
        byte[] pkt = Vectors.bytes("v6_udp_request");
        ByteBuffer buf = ByteBuffer.wrap(pkt);
        reflector.reflect(buf, 0, pkt.length);
        reflector.reflect(buf, 0, pkt.length);
        byte[] expected = Vectors.bytes("v6_udp_request");
        expected[7] = 64;
        assertThat(pkt).isEqualTo(expected);
    }

    @Test
    void dropsWhatItMustNotAnswer() {
        assertDropped("v4_icmp_echo_reply", b -> {});                       // replies are not answered (no ping-pong loops)
        assertDropped("v6_icmp_echo_reply", b -> {});
        assertDropped("v4_tcp_syn", b -> {});                               // not echo/UDP
        assertDropped("v6_frag_first_udp", b -> {});                        // fragments
        assertDropped("v6_frag_later", b -> {});
        assertDropped("v6_routing_icmp", b -> {});                          // routing header
        assertDropped("v4_icmp_echo_request", b -> b.put(6, (byte) 0x20));  // MF set (checksum also off)
        assertDropped("v4_icmp_echo_request", b -> b.put(10, (byte) 0));    // bad header checksum
        assertDropped("v4_udp_request", b -> {                              // fragment with a valid checksum
            b.putShort(6, (short) 0x0001);
            new Ipv4Packet().wrap(b, 0, b.capacity()).fillChecksum();
        });
        assertDropped("v4_udp_request", b -> {                              // multicast destination
            b.putInt(16, 0xE0000001);
            new Ipv4Packet().wrap(b, 0, b.capacity()).fillChecksum();
        });
        assertDropped("v4_udp_request", b -> {                              // broadcast destination
            b.putInt(16, 0xFFFFFFFF);
            new Ipv4Packet().wrap(b, 0, b.capacity()).fillChecksum();
        });
        assertDropped("v4_udp_request", b -> {                              // unspecified source
            b.putInt(12, 0);
            new Ipv4Packet().wrap(b, 0, b.capacity()).fillChecksum();
        });
        assertDropped("v6_udp_request", b -> b.put(24, (byte) 0xFF));       // multicast destination
        assertDropped("v6_udp_request", b -> b.put(8, (byte) 0xFF));        // multicast source
        assertDropped("v6_udp_request", b -> b.putShort(46, (short) 0));    // zero UDP checksum over IPv6
        assertDropped("v6_icmp_echo_request", b -> b.put(41, (byte) 1));    // echo with non-zero code
        assertDropped("v4_udp_request", b -> b.put(0, (byte) 0x55));        // neither version
    }

    @Test
    void dropsPacketsToOwnAddresses() {
        PacketReflector own = new PacketReflector(AddressSet.of(new byte[] {10, 0, 0, 2},
                Arrays.copyOfRange(Vectors.bytes("v6_udp_request"), 24, 40)));
        byte[] v4 = Vectors.bytes("v4_udp_request");
        assertThat(own.reflect(ByteBuffer.wrap(v4), 0, v4.length)).isEqualTo(PacketReflector.DROP);
        byte[] v6 = Vectors.bytes("v6_udp_request");
        assertThat(own.reflect(ByteBuffer.wrap(v6), 0, v6.length)).isEqualTo(PacketReflector.DROP);

        PacketReflector other = new PacketReflector(AddressSet.of(new byte[] {10, 0, 0, 1}));
        assertThat(other.reflect(ByteBuffer.wrap(v4), 0, v4.length)).isEqualTo(v4.length);
    }

    private void assertDropped(String name, java.util.function.Consumer<ByteBuffer> mutate) {
        byte[] pkt = Vectors.bytes(name);
        ByteBuffer buf = ByteBuffer.wrap(pkt);
        mutate.accept(buf);
        byte[] before = pkt.clone();
        assertThat(reflector.reflect(buf, 0, pkt.length)).as(name).isEqualTo(PacketReflector.DROP);
        assertThat(Arrays.equals(pkt, before)).as("dropped packet %s left untouched", name).isTrue();
    }

    @Test
    void allocatesNothingPerPacket() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[] pkt = Vectors.bytes("v4_icmp_echo_request");
        byte[] pkt6 = Vectors.bytes("v6_udp_request");
        ByteBuffer b4 = ByteBuffer.wrap(pkt);
        ByteBuffer b6 = ByteBuffer.wrap(pkt6);
        for (int i = 0; i < 20_000; i++) {      // warm up, and make sure any lazy class init is done
            reflector.reflect(b4, 0, pkt.length);
            reflector.reflect(b6, 0, pkt6.length);
        }
        long tid = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            reflector.reflect(b4, 0, pkt.length);
            reflector.reflect(b6, 0, pkt6.length);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertThat(allocated).as("bytes allocated for 200k packets").isLessThan(4096);
    }
}
