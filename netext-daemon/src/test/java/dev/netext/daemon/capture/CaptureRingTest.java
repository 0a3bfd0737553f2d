package dev.netext.daemon.capture;

import dev.netext.api.tunnel.PacketBatch;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The ring copies (up to the snaplen), keeps direction and order, and drops — counted — when full. */
class CaptureRingTest {
    private static PacketBatch batch(int... sizes) {
        PacketBatch b = PacketBatch.allocate(8, 2048);
        for (int s : sizes) {
            byte[] d = new byte[s];
            d[0] = (byte) s;
            b.add(ByteBuffer.wrap(d));
        }
        return b;
    }

    @Test
    void copiesInOrderWithDirectionAndSnaplen() throws Exception {
        CaptureRing ring = new CaptureRing(16, 100, 1 << 20);
        PacketBatch out = batch(60, 1500);
        ring.outbound(out, 2);
        out.packet(0).put(0, (byte) 99); // the provider reuses its batch: the capture kept a copy
        PacketBatch in = batch(70, 80);
        in.setLength(1, 0); // dropped by the provider: not written, not captured
        ring.inbound(in);
        CapturedPacket a = ring.poll(Duration.ZERO), b = ring.poll(Duration.ZERO), c = ring.poll(Duration.ZERO);
        assertThat(a.inbound()).isFalse();
        assertThat(a.data()[0]).isEqualTo((byte) 60);
        assertThat(b.data()).hasSize(100);
        assertThat(b.originalLength()).isEqualTo(1500);
        assertThat(c.inbound()).isTrue();
        assertThat(c.originalLength()).isEqualTo(70);
        assertThat(ring.poll(Duration.ZERO)).isNull();
        assertThat(b.epochNanos()).isGreaterThanOrEqualTo(a.epochNanos());
    }

    @Test
    void dropsAndCountsWhenFullByPacketsOrBytes() throws Exception {
        CaptureRing byCount = new CaptureRing(2, 100, 1 << 20);
        byCount.outbound(batch(10, 10, 10, 10), 4);
        assertThat(byCount.dropped()).isEqualTo(2);

        CaptureRing byBytes = new CaptureRing(100, 100, 150);
        byBytes.outbound(batch(100, 100), 2);
        assertThat(byBytes.dropped()).isEqualTo(1);
        byBytes.poll(Duration.ZERO); // room again
        byBytes.outbound(batch(100), 1);
        assertThat(byBytes.dropped()).isEqualTo(1);
        assertThat(byBytes.poll(Duration.ZERO)).isNotNull();
    }
}
