package dev.netext.testkit.tunnel;

import dev.netext.api.ProviderStatus;
import dev.netext.testkit.packet.Packets;
import dev.netext.tunnel.builtin.EchoProvider;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.netext.testkit.tunnel.Fixtures.DUAL_STACK;
import static dev.netext.testkit.tunnel.Fixtures.QUIET;
import static dev.netext.testkit.tunnel.Fixtures.TIMEOUT;
import static dev.netext.testkit.tunnel.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;

class EchoProviderTest {

    @Test
    void appliesTheProfileSettingsAndConnects() throws Exception {
        try (var tunnel = TunnelHarness.start(new EchoProvider(), DUAL_STACK)) {
            assertThat(tunnel.appliedSettings()).isEqualTo(DUAL_STACK);
            assertThat(tunnel.configurator().history()).containsExactly(DUAL_STACK);
            assertThat(tunnel.status()).isEqualTo(ProviderStatus.CONNECTED);
            assertThat(tunnel.runtime().loopNames()).containsExactly("sim-echo");
        }
    }

    @Test
    void returnsIpv4PacketsByteForByte() throws Exception {
        byte[] ping = Packets.icmpEcho("10.7.0.1", "10.7.0.2", 7, 1, new byte[]{1, 2, 3});
        byte[] udp = Packets.udp("10.7.0.1", 40000, "10.7.0.9", 53, "query".getBytes());
        try (var tunnel = TunnelHarness.start(new EchoProvider(), DUAL_STACK)) {
            tunnel.inject(ping);
            assertThat(tunnel.awaitWritten(TIMEOUT)).isEqualTo(ping);
            tunnel.inject(udp);
            assertThat(tunnel.awaitWritten(TIMEOUT)).isEqualTo(udp);
        }
    }

    @Test
    void returnsIpv6PacketsByteForByte() throws Exception {
        byte[] ping = Packets.icmpEcho("fd84::1", "fd84::2", 7, 1, new byte[]{1, 2, 3, 4, 5});
        byte[] syn = Packets.tcpSyn("fd84::1", 50000, "fd84::2", 443, 12345);
        try (var tunnel = TunnelHarness.start(new EchoProvider(), DUAL_STACK)) {
            tunnel.inject(ping);
            tunnel.inject(syn);
            assertThat(tunnel.awaitWritten(2, TIMEOUT)).containsExactly(ping, syn);
        }
    }

    @Test
    void returnsMtuSizedAndArbitraryPacketsUnchanged() throws Exception {
        byte[] big = Packets.udp("fd84::1", 1, "fd84::2", 2, new byte[1400 - 48]);
        byte[] garbage = new byte[]{(byte) 0xde, (byte) 0xad};
        try (var tunnel = TunnelHarness.start(new EchoProvider(), DUAL_STACK)) {
            tunnel.inject(big);
            tunnel.inject(garbage);
            assertThat(tunnel.awaitWritten(2, TIMEOUT)).containsExactly(big, garbage);
        }
    }

    @Test
    void returnsManyPacketsInOrderAndCountsThem() throws Exception {
        Random random = new Random(42);
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            byte[] payload = new byte[random.nextInt(200)];
            random.nextBytes(payload);
            sent.add(i % 2 == 0
                    ? Packets.udp("10.7.0.1", 1000 + i, "10.7.0.2", 9, payload)
                    : Packets.icmpEcho("fd84::1", "fd84::2", 1, i, payload));
        }
        long bytes = sent.stream().mapToLong(p -> p.length).sum();
        try (var tunnel = TunnelHarness.start(new EchoProvider(), DUAL_STACK)) {
            sent.forEach(tunnel::inject);
            List<byte[]> got = tunnel.awaitWritten(sent.size(), TIMEOUT);
            assertThat(got).hasSize(sent.size());
            for (int i = 0; i < sent.size(); i++) assertThat(got.get(i)).as("packet %d", i).isEqualTo(sent.get(i));
            assertThat(tunnel.awaitWritten(QUIET)).as("nothing extra").isNull();

            eventually("stats to count every packet out", () -> tunnel.stats().packetsOut() == sent.size());
            assertThat(tunnel.stats().packetsIn()).isEqualTo(sent.size());
            assertThat(tunnel.stats().bytesIn()).isEqualTo(bytes);
            assertThat(tunnel.stats().bytesOut()).isEqualTo(bytes);
            assertThat(tunnel.stats().batchesIn()).isBetween(1L, (long) sent.size());
        }
    }

    @Test
    void stopsCleanly() throws Exception {
        var tunnel = TunnelHarness.start(new EchoProvider(), DUAL_STACK);
        tunnel.close();
        assertThat(tunnel.awaitStopped(TIMEOUT)).isTrue();
        assertThat(tunnel.failure()).isNull();
        assertThat(tunnel.appliedSettings()).isNull();
        assertThat(tunnel.configurator().cleared()).isTrue();
        assertThat(tunnel.device().isClosed()).isTrue();
        assertThat(tunnel.runtime().loopNames()).isEmpty();
        assertThat(tunnel.statusHistory()).containsExactly(ProviderStatus.CONNECTING, ProviderStatus.CONNECTED,
                ProviderStatus.DISCONNECTING, ProviderStatus.DISCONNECTED);
    }
}
