package dev.netext.testkit;

import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.PacketBatch;
import dev.netext.api.tunnel.PacketFlow;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelContext;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.testkit.packet.Packets;
import dev.netext.testkit.packet.ParsedPacket;
import dev.netext.testkit.tunnel.TunnelHarness;
import dev.netext.wire.IpPacket;
import dev.netext.wire.Ipv4Packet;
import dev.netext.wire.Ipv6Packet;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How to unit-test your own packet tunnel provider with the netext test kit: no root, no TUN device, no kernel.
 *
 * <p>{@link TunnelHarness} runs the provider under netext's real host lifecycle ({@code TunnelRuntime}) over a
 * simulated device. You {@link TunnelHarness#inject inject} packets as if the system had routed them into your
 * tunnel, and take what your provider writes back with {@link TunnelHarness#awaitWritten}. {@link Packets} builds
 * packets with valid checksums and takes them apart for assertions.
 */
class ProviderTestingExample {

    /**
     * The provider under test: a tiny "firewall" tunnel. It applies the profile's settings, drops every packet to a
     * blocked address (from the provider options), and hands everything else back to the system unchanged.
     */
    static final class BlockingProvider implements PacketTunnelProvider {
        private volatile boolean stopped;

        @Override
        public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
            byte[] blocked = IpPrefix.parseAddress((String) options.get("block")).getAddress();
            context.setTunnelNetworkSettings(context.profileSettings());
            PacketFlow flow = context.packetFlow();
            context.spawn("filter", () -> {
                PacketBatch batch = flow.newBatch();
                Ipv4Packet v4 = new Ipv4Packet();
                Ipv6Packet v6 = new Ipv6Packet();
                while (flow.readPackets(batch) >= 0) {
                    for (int i = 0; i < batch.count(); i++) {
                        ByteBuffer p = batch.packet(i);
                        IpPacket ip = v4.tryWrap(p, 0, p.limit()) ? v4 : v6.tryWrap(p, 0, p.limit()) ? v6 : null;
                        if (ip == null || isTo(ip, blocked)) batch.setLength(i, 0); // length 0 = dropped
                    }
                    flow.writePackets(batch);
                }
            });
        }

        private static boolean isTo(IpPacket ip, byte[] address) {
            if (ip.addressLength() != address.length) return false;
            byte[] dst = new byte[address.length];
            ip.buffer().get(ip.destinationAddressOffset(), dst);
            return Arrays.equals(dst, address);
        }

        @Override
        public void stopTunnel(StopReason reason) { stopped = true; }
    }

    // The profile: the tunnel owns 10.7.0.1 and fd84::1 and routes their networks.
    static final TunnelNetworkSettings SETTINGS = TunnelNetworkSettings.of(
            List.of(IpPrefix.parse("10.7.0.1/24"), IpPrefix.parse("fd84::1/64")),
            List.of(IpPrefix.parse("10.7.0.0/24"), IpPrefix.parse("fd84::/64")),
            1400);
    static final Map<String, Object> OPTIONS = Map.of("block", "10.7.0.66");
    static final Duration WAIT = Duration.ofSeconds(2);

    @Test
    void forwardsAllowedTrafficUnchanged() throws Exception {
        // try-with-resources: closing the harness stops the provider like "netext down" would.
        try (var tunnel = TunnelHarness.start(new BlockingProvider(), SETTINGS, OPTIONS)) {
            byte[] dns = Packets.udp("10.7.0.1", 5353, "10.7.0.53", 53, "example.org?".getBytes());
            tunnel.inject(dns);

            byte[] out = tunnel.awaitWritten(WAIT);
            assertThat(out).as(Packets.describe(out)).isEqualTo(dns);

            ParsedPacket p = Packets.parse(out); // field-level assertions read better than byte arrays
            assertThat(p.dst()).isEqualTo("10.7.0.53");
            assertThat(p.dstPort()).isEqualTo(53);
            assertThat(p.checksumsValid()).isTrue();
        }
    }

    @Test
    void dropsTrafficToTheBlockedAddressOnly() throws Exception {
        try (var tunnel = TunnelHarness.start(new BlockingProvider(), SETTINGS, OPTIONS)) {
            tunnel.inject(Packets.icmpEcho("10.7.0.1", "10.7.0.66", 1, 1));  // blocked
            tunnel.inject(Packets.tcpSyn("10.7.0.1", 40000, "10.7.0.66", 443, 1)); // blocked
            tunnel.inject(Packets.icmpEcho("fd84::1", "fd84::66", 1, 2));    // allowed: another family
            tunnel.inject(Packets.icmpEcho("10.7.0.1", "10.7.0.67", 1, 3));  // allowed

            List<byte[]> out = tunnel.awaitWritten(2, WAIT);
            assertThat(out).extracting(Packets::describe).containsExactly(
                    "ICMPv6 echo-request fd84::1 → fd84::66 id=1 seq=2",
                    "ICMP echo-request 10.7.0.1 → 10.7.0.67 id=1 seq=3");
            // Absence: nothing else arrives within a short quiet period.
            assertThat(tunnel.awaitWritten(Duration.ofMillis(200))).isNull();
        }
    }

    @Test
    void dropsWhatIsNotIp() throws Exception {
        try (var tunnel = TunnelHarness.start(new BlockingProvider(), SETTINGS, OPTIONS)) {
            tunnel.inject(new byte[]{0x00, 0x01, 0x02});
            tunnel.inject(Packets.icmpEcho("10.7.0.1", "10.7.0.2", 9, 9));
            assertThat(Packets.parse(tunnel.awaitWritten(WAIT)).echoId()).isEqualTo(9);
            assertThat(tunnel.failure()).as("garbage must not kill the tunnel").isNull();
        }
    }

    @Test
    void appliesItsSettingsAndCleansUp() throws Exception {
        BlockingProvider provider = new BlockingProvider();
        var tunnel = TunnelHarness.start(provider, SETTINGS, OPTIONS);
        assertThat(tunnel.appliedSettings()).isEqualTo(SETTINGS);

        tunnel.close();
        assertThat(provider.stopped).isTrue();
        assertThat(tunnel.appliedSettings()).as("routes and addresses removed").isNull();
        assertThat(tunnel.failure()).isNull();
        // the counters a daemon would show: 0 in, 0 out
        assertThat(tunnel.stats().packetsIn()).isZero();
    }

    @Test
    void aMissingOptionFailsTheStartCleanly() {
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> TunnelHarness.start(new BlockingProvider(), SETTINGS, Map.of()));
        assertThat(e).isInstanceOf(IllegalArgumentException.class); // parseAddress(null)
    }

}
