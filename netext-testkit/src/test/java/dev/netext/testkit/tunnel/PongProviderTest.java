package dev.netext.testkit.tunnel;

import dev.netext.api.net.IpFamily;
import dev.netext.testkit.packet.Packets;
import dev.netext.testkit.packet.ParsedPacket;
import dev.netext.tunnel.builtin.PongProvider;
import dev.netext.wire.IpProtocol;
import dev.netext.wire.PacketReflector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static dev.netext.testkit.tunnel.Fixtures.DUAL_STACK;
import static dev.netext.testkit.tunnel.Fixtures.QUIET;
import static dev.netext.testkit.tunnel.Fixtures.TIMEOUT;
import static dev.netext.testkit.tunnel.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;

class PongProviderTest {

    @ParameterizedTest
    @CsvSource({"10.7.0.1, 10.7.0.2", "fd84::1, fd84::2", "10.7.0.1, 10.7.0.200", "fd84::1, fd84::abcd:1"})
    void answersEchoRequestsWithValidSwappedReplies(String src, String dst) throws Exception {
        byte[] payload = "abcdefghijklmnopq".getBytes(); // odd length: exercises the checksum's padding
        try (var tunnel = TunnelHarness.start(new PongProvider(), DUAL_STACK)) {
            tunnel.inject(Packets.icmpEcho(src, dst, 0x1234, 9, payload));
            ParsedPacket reply = Packets.parse(tunnel.awaitWritten(TIMEOUT));

            assertThat(reply.isEchoReply()).as(reply.toString()).isTrue();
            assertThat(reply.family()).isEqualTo(src.contains(":") ? IpFamily.V6 : IpFamily.V4);
            assertThat(reply.src()).isEqualTo(Packets.parse(Packets.icmpEcho(dst, src, 0, 0)).src());
            assertThat(reply.dst()).isEqualTo(Packets.parse(Packets.icmpEcho(dst, src, 0, 0)).dst());
            assertThat(reply.echoId()).isEqualTo(0x1234);
            assertThat(reply.echoSeq()).isEqualTo(9);
            assertThat(reply.icmpCode()).isZero();
            assertThat(reply.payload()).isEqualTo(payload);
            assertThat(reply.hopLimit()).isEqualTo(PacketReflector.REPLY_HOP_LIMIT);
            assertThat(reply.checksumsValid()).as("checksums of " + reply).isTrue();
        }
    }

    @Test
    void describesTheIpv6ReplyLikePingWould() throws Exception {
        try (var tunnel = TunnelHarness.start(new PongProvider(), DUAL_STACK)) {
            tunnel.inject(Packets.icmpEcho("fd84::1", "fd84::2", 1, 1));
            assertThat(Packets.describe(tunnel.awaitWritten(TIMEOUT))).isEqualTo("ICMPv6 echo-reply fd84::2 → fd84::1 id=1 seq=1");
        }
    }

    @ParameterizedTest
    @CsvSource({"10.7.0.1, 10.7.0.53", "fd84::1, fd84::53"})
    void reflectsUdpWithPortsAndAddressesSwapped(String src, String dst) throws Exception {
        byte[] payload = "dns?".getBytes();
        try (var tunnel = TunnelHarness.start(new PongProvider(), DUAL_STACK)) {
            tunnel.inject(Packets.udp(src, 40000, dst, 53, payload));
            ParsedPacket reply = Packets.parse(tunnel.awaitWritten(TIMEOUT));
            ParsedPacket request = Packets.parse(Packets.udp(src, 40000, dst, 53, payload));

            assertThat(reply.protocol()).isEqualTo(IpProtocol.UDP);
            assertThat(reply.src()).isEqualTo(request.dst());
            assertThat(reply.dst()).isEqualTo(request.src());
            assertThat(reply.srcPort()).isEqualTo(53);
            assertThat(reply.dstPort()).isEqualTo(40000);
            assertThat(reply.payload()).isEqualTo(payload);
            assertThat(reply.checksumsValid()).isTrue();
        }
    }

    @Test
    void answersEveryPacketOfABatch() throws Exception {
        int n = 300;
        try (var tunnel = TunnelHarness.start(new PongProvider(), DUAL_STACK)) {
            for (int i = 0; i < n; i++) tunnel.inject(Packets.icmpEcho(i % 2 == 0 ? "10.7.0.1" : "fd84::1",
                    i % 2 == 0 ? "10.7.0.2" : "fd84::2", 1, i));
            var replies = tunnel.awaitWritten(n, TIMEOUT);
            assertThat(replies).hasSize(n);
            for (int i = 0; i < n; i++) {
                ParsedPacket r = Packets.parse(replies.get(i));
                assertThat(r.isEchoReply()).isTrue();
                assertThat(r.echoSeq()).isEqualTo(i);
                assertThat(r.checksumsValid()).isTrue();
            }
            eventually("stats out", () -> tunnel.stats().packetsOut() == n);
            assertThat(tunnel.stats().packetsIn()).isEqualTo(n);
        }
    }

    @Test
    void dropsWhatItMustNotAnswerAndKeepsRunning() throws Exception {
        byte[] badIpv4Checksum = Packets.icmpEcho("10.7.0.1", "10.7.0.2", 1, 1);
        badIpv4Checksum[10] ^= 0x55;
        byte[] v6UdpWithoutChecksum = Packets.udp("fd84::1", 1, "fd84::2", 2, new byte[4]);
        v6UdpWithoutChecksum[40 + 6] = 0;
        v6UdpWithoutChecksum[40 + 7] = 0;
        byte[][] drops = {
                Packets.icmpEcho("10.7.0.2", "10.7.0.1", 1, 1),          // to the tunnel's own v4 address
                Packets.icmpEcho("fd84::2", "fd84::1", 1, 1),            // to the tunnel's own v6 address
                Packets.udp("10.7.0.2", 5, "10.7.0.1", 6, new byte[3]),  // UDP to own address
                Packets.icmpEchoReply("10.7.0.1", "10.7.0.2", 1, 1, new byte[0]), // replies are not answered
                Packets.icmpEcho("10.7.0.1", "224.0.0.1", 1, 1),         // multicast
                Packets.icmpEcho("fd84::1", "ff02::1", 1, 1),            // v6 multicast
                Packets.icmpEcho("0.0.0.0", "10.7.0.2", 1, 1),           // unspecified source
                Packets.tcpSyn("10.7.0.1", 1000, "10.7.0.2", 80, 1),     // TCP is not pong's business
                Packets.ip("10.7.0.1", "10.7.0.2", 47, new byte[8]),     // GRE
                badIpv4Checksum,
                v6UdpWithoutChecksum,
                new byte[0],
                new byte[]{0x45},
                new byte[]{0x60, 0, 0, 0},
        };
        try (var tunnel = TunnelHarness.start(new PongProvider(), DUAL_STACK)) {
            for (byte[] p : drops) tunnel.inject(p);
            Random random = new Random(7);
            for (int i = 0; i < 2000; i++) {
                byte[] garbage = new byte[random.nextInt(120)];
                random.nextBytes(garbage);
                tunnel.inject(garbage);
            }
            tunnel.inject(Packets.icmpEcho("10.7.0.1", "10.7.0.2", 99, 99));

            ParsedPacket first = Packets.parse(tunnel.awaitWritten(TIMEOUT));
            assertThat(first.echoId()).as("the only reply is to the last, valid request: " + first).isEqualTo(99);
            assertThat(tunnel.awaitWritten(QUIET)).isNull();
            assertThat(tunnel.failure()).isNull();
            assertThat(tunnel.runtime().loopNames()).containsExactly("sim-pong");
            eventually("all counted in", () -> tunnel.stats().packetsIn() == drops.length + 2001);
            eventually("one counted out", () -> tunnel.stats().packetsOut() == 1);
        }
    }
}
