package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.flow.proxy.DatagramTrains;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link CoalescingDatagramWriter} with trains read whole (UDP_GRO): one GSO send as they came when the path takes
 * their segment size, else their datagrams one by one; in order with the datagrams written around them. And
 * {@link DatagramTrains#forEachDatagram}, which cuts a train for a filter or a held flow.
 */
class CoalescingDatagramWriterTest {
    private static final InetSocketAddress PEER = new InetSocketAddress("192.0.2.7", 443);
    private final EmbeddedChannel channel = new EmbeddedChannel();

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    /** {@code segments} datagrams of {@code size} bytes, then one of {@code last}; byte = the datagram's index. */
    private static ByteBuf train(int segments, int size, int last) {
        ByteBuf b = Unpooled.buffer();
        for (int i = 0; i < segments; i++) b.writeZero(size).setByte(b.writerIndex() - 1, i);
        if (last > 0) b.writeZero(last).setByte(b.writerIndex() - 1, segments);
        return b;
    }

    /** What left the channel: "gso:segment:bytes" per GSO send, "n" (bytes) per lone datagram. */
    private List<String> sent() {
        List<String> out = new ArrayList<>();
        Object m;
        while ((m = channel.readOutbound()) != null) {
            if (m instanceof SegmentedDatagramPacket p) out.add("gso:" + p.segmentSize() + ":" + p.content().readableBytes());
            else out.add(String.valueOf(((ByteBuf) m).readableBytes()));
            ReferenceCountUtil.release(m);
        }
        return out;
    }

    @Test
    void aTrainLeavesAsOneGsoSendInOrderWithTheDatagramsAroundIt() {
        CoalescingDatagramWriter w = new CoalescingDatagramWriter(channel, PEER, 1472);
        w.write(Unpooled.buffer(80).writerIndex(80));
        w.writeTrain(train(5, 1200, 300), 1200);
        w.write(Unpooled.buffer(90).writerIndex(90));
        w.flush();
        assertThat(sent()).containsExactly("80", "gso:1200:6300", "90");
    }

    @Test
    void aTrainOfLargerSegmentsThanThePathTakesLeavesDatagramByDatagram() {
        CoalescingDatagramWriter w = new CoalescingDatagramWriter(channel, PEER, 1000); // path MTU under the segments
        w.writeTrain(train(3, 1200, 0), 1200);
        w.flush();
        assertThat(sent()).containsExactly("1200", "1200", "1200");
        CoalescingDatagramWriter noGso = new CoalescingDatagramWriter(channel, PEER, 0);
        noGso.writeTrain(train(2, 500, 20), 500);
        noGso.flush();
        // without GSO every datagram goes alone (a run needs GSO too)
        assertThat(sent()).containsExactly("500", "500", "20");
    }

    @Test
    void forEachDatagramCutsATrainAtItsSegmentSizeAndPassesALoneDatagramAsItIs() {
        ByteBuf t = train(3, 100, 7);
        List<String> got = new ArrayList<>();
        DatagramTrains.forEachDatagram(new SegmentedDatagramPacket(t, 100, PEER, PEER), d -> {
            got.add(d.readableBytes() + "@" + d.getByte(d.readerIndex() + d.readableBytes() - 1));
            d.release();
        });
        assertThat(got).containsExactly("100@0", "100@1", "100@2", "7@3");
        assertThat(t.refCnt()).as("the train's buffer released with its slices").isZero();
        ByteBuf lone = Unpooled.buffer(40).writerIndex(40);
        List<ByteBuf> passed = new ArrayList<>();
        DatagramTrains.forEachDatagram(new DatagramPacket(lone, PEER, PEER), passed::add);
        assertThat(passed).containsExactly(lone);
        lone.release();
    }
}
