package dev.netext.flow.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.UncheckedBooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * How many {@code recvmmsg} one wake-up of a relay socket makes: another only after one that filled every slot, and
 * none past {@link DatagramBatches#DATAGRAMS_PER_WAKEUP} datagrams. Netty's epoll transport asks the handle as it
 * does here: the bytes it offered (slots × slot size), the slots × slot size it says it read (a lone datagram: one
 * slot), the datagrams read, then {@code continueReading(TRUE_SUPPLIER)}.
 */
class DatagramBatchesTest {
    private static final int SLOT = DatagramBatches.MAX_UDP_PAYLOAD, SLOTS = DatagramBatches.DATAGRAMS_PER_READ;

    @Test
    void readsAgainOnlyAfterARecvmmsgThatFilledEverySlot() {
        RecvByteBufAllocator.ExtendedHandle h = handle();
        read(h, SLOTS);
        assertThat(h.continueReading(UncheckedBooleanSupplier.TRUE_SUPPLIER)).as("after a full batch").isTrue();
        read(h, 3);
        assertThat(h.continueReading(UncheckedBooleanSupplier.TRUE_SUPPLIER)).as("after 3 of %d slots", SLOTS).isFalse();
    }

    @Test
    void aLoneDatagramEndsTheWakeUp() {
        RecvByteBufAllocator.ExtendedHandle h = handle();
        read(h, 1); // the transport's single-datagram path reports one slot
        assertThat(h.continueReading(UncheckedBooleanSupplier.TRUE_SUPPLIER)).isFalse();
    }

    @Test
    void stopsAfterAGsoRunsWorthOfDatagrams() {
        RecvByteBufAllocator.ExtendedHandle h = handle();
        int reads = 0;
        do {
            read(h, SLOTS);
            reads++;
        } while (h.continueReading(UncheckedBooleanSupplier.TRUE_SUPPLIER) && reads < 100);
        assertThat(reads * SLOTS).isEqualTo(DatagramBatches.DATAGRAMS_PER_WAKEUP);
    }

    @Test
    void eachReadGetsABufferForAllSlots() {
        assertThat(handle().guess()).isEqualTo(SLOT * SLOTS);
    }

    private static RecvByteBufAllocator.ExtendedHandle handle() {
        var h = (RecvByteBufAllocator.ExtendedHandle) new DatagramBatches.WhileFull(SLOT * SLOTS,
                DatagramBatches.DATAGRAMS_PER_WAKEUP).newHandle();
        h.reset(new EmbeddedChannel().config());
        return h;
    }

    /** One {@code recvmmsg} that returned {@code datagrams}, as the epoll transport reports it. */
    private static void read(RecvByteBufAllocator.ExtendedHandle h, int datagrams) {
        h.attemptedBytesRead(SLOT * SLOTS);
        h.lastBytesRead(SLOT * datagrams);
        h.incMessagesRead(datagrams);
    }
}
