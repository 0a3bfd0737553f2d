package dev.netext.wireguard;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.testkit.packet.Packets;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link CryptoPipeline} with {@link BatchSealer} and {@link BatchOpener}: every packet arrives once, in order, intact. */
class BatchCryptoTest {

    /** A batch that records which of its slots ran and, on delivery, its number (checked for order). */
    static final class Recorded extends CryptoPipeline.Batch {
        final List<Integer> deliveries;
        int number, count;
        AtomicIntegerArray hits;

        Recorded(List<Integer> deliveries) { this.deliveries = deliveries; }

        @Override protected int count() { return count; }

        @Override protected void run(int from, int to) { for (int i = from; i < to; i++) hits.incrementAndGet(i); }

        @Override
        protected void deliver() {
            for (int i = 0; i < count; i++) assertThat(hits.get(i)).as("batch %d slot %d", number, i).isEqualTo(1);
            deliveries.add(number);
        }
    }

    @Test
    void everySlotRunsOnceAndBatchesAreDeliveredInSubmissionOrder() {
        List<Integer> deliveries = new CopyOnWriteArrayList<>();
        Recorded[] ring = new Recorded[4];
        for (int i = 0; i < ring.length; i++) ring[i] = new Recorded(deliveries);
        try (CryptoPipeline<Recorded> p = new CryptoPipeline<>("t", ring, 3)) {
            for (int n = 0; n < 3000; n++) {
                Recorded b = p.acquire();
                b.number = n;
                b.count = n % 7 == 0 ? 0 : 1 + n % 64;                      // empty, small (inline) and large batches
                b.hits = new AtomicIntegerArray(b.count);
                p.submit(b);
            }
            p.drain();
            assertThat(p.failures()).isZero();
        }
        assertThat(deliveries).hasSize(3000);
        for (int i = 0; i < deliveries.size(); i++) assertThat(deliveries.get(i)).isEqualTo(i);
    }

    @Test
    void batchesSealedAndOpenedWithSeveralInFlightArriveInOrder() {
        DevicePair p = new DevicePair();
        p.a.device.send(DeviceTest.ping("10.0.0.1", "10.0.0.2", 0));     // handshake first, one packet inline
        p.pump();
        p.b.delivered.clear();
        List<byte[]> wire = new ArrayList<>();
        BatchSealer[] sealers = new BatchSealer[3];
        for (int i = 0; i < sealers.length; i++) sealers[i] = new BatchSealer(p.a.device, PacketBatch.allocate(64, 2048), () -> { });
        // the openers read copies of the wire, so a batch's datagrams stay valid until it is delivered
        BatchOpener[] openers = new BatchOpener[3];
        for (int i = 0; i < openers.length; i++) openers[i] = new BatchOpener(p.b.device, 64, () -> { });
        try (CryptoPipeline<BatchSealer> seal = new CryptoPipeline<>("seal", sealers, 2);
             CryptoPipeline<BatchOpener> open = new CryptoPipeline<>("open", openers, 2)) {
            int seq = 1;
            for (int round = 0; round < 50; round++) {
                BatchSealer s = seal.acquire();
                int n = 1 + (round * 13) % 64;                               // small (inline) and large (parallel) batches
                for (int i = 0; i < n; i++) s.input().add(ByteBuffer.wrap(Packets.icmpEcho("10.0.0.1", "10.0.0.2", 7, seq++)));
                s.prepare();
                seal.submit(s);
            }
            seal.drain();
            synchronized (p.a.wire) { wire.addAll(p.a.wire); p.a.wire.clear(); }
            BatchOpener o = open.acquire();
            for (byte[] d : wire) {
                o.add(ByteBuffer.wrap(d), DevicePair.A_ADDR);
                if (o.isFull()) { open.submit(o); o = open.acquire(); }
            }
            open.submit(o);
            open.drain();
            assertThat(seal.failures() + open.failures()).isZero();
            assertThat(p.b.device.drops(Device.Drop.DECRYPT_FAILED)).isZero();
            assertThat(p.b.device.drops(Device.Drop.REPLAYED)).isZero();
            assertThat(p.b.delivered).hasSize(seq - 1);
            for (int i = 0; i < seq - 1; i++) assertThat(Packets.parse(p.b.delivered.get(i)).echoSeq()).isEqualTo(i + 1);
        }
    }

    @Test
    void aBatchBeforeTheHandshakeIsStagedAndSentOnceTheSessionExists() {
        DevicePair p = new DevicePair();
        BatchSealer[] one = {new BatchSealer(p.a.device, PacketBatch.allocate(16, 2048), () -> { })};
        try (CryptoPipeline<BatchSealer> seal = new CryptoPipeline<>("inline", one, 0)) {
            BatchSealer s = seal.acquire();
            for (int i = 1; i <= 10; i++) s.input().add(ByteBuffer.wrap(Packets.icmpEcho("10.0.0.1", "10.0.0.2", 7, i)));
            s.prepare();
            seal.submit(s);
        }
        assertThat(p.a.wire).as("one initiation, the packets staged").hasSize(1);
        p.pump();
        assertThat(p.b.delivered).hasSize(10);
        assertThat(Packets.parse(p.b.delivered.getLast()).echoSeq()).isEqualTo(10);
    }
}
