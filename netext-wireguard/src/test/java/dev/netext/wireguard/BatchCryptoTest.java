package dev.netext.wireguard;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.testkit.packet.Packets;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link BatchSealer} and {@link BatchOpener} on worker pools: every packet arrives once, in order, and intact. */
class BatchCryptoTest {

    @Test
    void forEachCoversEveryIndexExactlyOnceOverManyJobs() {
        try (CryptoWorkers w = CryptoWorkers.create("t", 3)) {
            for (int job = 0; job < 2000; job++) {
                int count = 1 + job % 64;
                AtomicIntegerArray hits = new AtomicIntegerArray(count);
                w.forEach(count, (from, to) -> { for (int i = from; i < to; i++) hits.incrementAndGet(i); });
                for (int i = 0; i < count; i++) assertThat(hits.get(i)).as("job %d index %d", job, i).isEqualTo(1);
            }
        }
    }

    @Test
    void batchesSealedAndOpenedInParallelArriveInOrder() {
        DevicePair p = new DevicePair();
        p.a.device.send(DeviceTest.ping("10.0.0.1", "10.0.0.2", 0));     // handshake first, one packet inline
        p.pump();
        p.b.delivered.clear();
        try (CryptoWorkers seal = CryptoWorkers.create("seal", 2); CryptoWorkers open = CryptoWorkers.create("open", 2)) {
            BatchSealer sealer = new BatchSealer(p.a.device, seal, 64);
            BatchOpener opener = new BatchOpener(p.b.device, open, 64);
            PacketBatch batch = PacketBatch.allocate(64, 2048);
            int seq = 1;
            for (int round = 0; round < 50; round++) {
                batch.clear();
                int n = 1 + (round * 13) % 64;                               // small (inline) and large (parallel) batches
                for (int i = 0; i < n; i++) batch.add(ByteBuffer.wrap(Packets.icmpEcho("10.0.0.1", "10.0.0.2", 7, seq++)));
                sealer.send(batch);
                List<byte[]> wire = new ArrayList<>(p.a.wire);
                p.a.wire.clear();
                for (byte[] d : wire) opener.add(ByteBuffer.wrap(d), DevicePair.A_ADDR);
                opener.flush();
            }
            assertThat(p.b.device.drops(Device.Drop.DECRYPT_FAILED)).isZero();
            assertThat(p.b.device.drops(Device.Drop.REPLAYED)).isZero();
            assertThat(p.b.delivered).hasSize(seq - 1);
            for (int i = 0; i < seq - 1; i++) assertThat(Packets.parse(p.b.delivered.get(i)).echoSeq()).isEqualTo(i + 1);
        }
    }

    @Test
    void aBatchBeforeTheHandshakeIsStagedAndSentOnceTheSessionExists() {
        DevicePair p = new DevicePair();
        BatchSealer sealer = new BatchSealer(p.a.device, CryptoWorkers.create("inline", 0), 16);
        PacketBatch batch = PacketBatch.allocate(16, 2048);
        for (int i = 1; i <= 10; i++) batch.add(ByteBuffer.wrap(Packets.icmpEcho("10.0.0.1", "10.0.0.2", 7, i)));
        sealer.send(batch);
        assertThat(p.a.wire).as("one initiation, the packets staged").hasSize(1);
        p.pump();
        assertThat(p.b.delivered).hasSize(10);
        assertThat(Packets.parse(p.b.delivered.getLast()).echoSeq()).isEqualTo(10);
    }
}
