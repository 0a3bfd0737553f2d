package dev.netext.flow.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.unix.IntegerUnixChannelOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

/**
 * One direction of a UDP flow's relay: writes the datagrams of a read batch to a connected socket, a run of
 * consecutive datagrams of one size (the last may be shorter) as one UDP GSO send ({@code UDP_SEGMENT}, Linux 4.18):
 * the kernel routes, filters (nftables, conntrack) and queues the run once and cuts it into datagrams at the device
 * or the receiving socket, instead of once per datagram. Datagrams leave in the order written, with the boundaries
 * they came with; a datagram that cannot be part of a run goes alone.
 *
 * <p>Where the path cannot take GSO (a device without checksum offload answers EIO, a lowered path MTU EINVAL), the
 * failed run is sent again datagram by datagram and this writer sends singly from then on.
 *
 * <p>netext-wireguard's {@code DatagramBatcher} does the same for sealed WireGuard packets (copied into one buffer,
 * many endpoints, several threads); this one keeps the read batch's slices, has one peer and one thread.
 *
 * <p>Runs on the channel's event loop. {@link #write} takes ownership; {@link #flush} ends the batch.
 */
final class CoalescingDatagramWriter {
    private static final Logger log = LoggerFactory.getLogger(CoalescingDatagramWriter.class);
    /** IP_MTU (asm/in.h) / IPV6_MTU (linux/in6.h): the connected socket's path MTU. */
    private static final IntegerUnixChannelOption IP_MTU = new IntegerUnixChannelOption("IP_MTU", 0, 14),
            IPV6_MTU = new IntegerUnixChannelOption("IPV6_MTU", 41, 24);
    /** UDP_MAX_SEGMENTS in Linux 4.18–6.x (include/linux/udp.h): segments one GSO send may carry. */
    static final int MAX_SEGMENTS = 64;
    /** A GSO send is one IP datagram before the cut: its payload is bounded as a single datagram's. */
    static final int MAX_RUN_BYTES = 65_535 - 20 - 8;

    private final Channel channel;
    private final InetSocketAddress peer;
    private int maxSegment; // 0: GSO off
    /** The run being gathered: its first datagram, then (from the second on) all of them. */
    private ByteBuf first;
    private CompositeByteBuf run;
    private int segment, segments, runBytes;

    /** {@code maxSegment}: the largest datagram a GSO run may carry (0: GSO off); {@link #on} reads it from the path. */
    CoalescingDatagramWriter(Channel channel, InetSocketAddress peer, int maxSegment) {
        this.channel = channel;
        this.peer = peer;
        this.maxSegment = maxSegment;
    }

    /** A writer for connected {@code channel} (to {@code peer}); runs no longer than its path MTU allows a datagram. */
    static CoalescingDatagramWriter on(Channel channel, InetSocketAddress peer) {
        int maxSegment = 0;
        if (SegmentedDatagramPacket.isSupported()) {
            boolean v6 = peer.getAddress() instanceof Inet6Address;
            try {
                int mtu = channel.config().getOption(v6 ? IPV6_MTU : IP_MTU);
                maxSegment = Math.max(0, mtu - (v6 ? 40 : 20) - 8);
            } catch (RuntimeException e) {
                log.debug("no path MTU for {} ({}): datagrams go singly", peer, e.toString());
            }
        }
        return new CoalescingDatagramWriter(channel, peer, maxSegment);
    }

    /** Queues {@code datagram} (taking ownership) behind the ones written before it; sent at the latest on flush. */
    void write(ByteBuf datagram) {
        int len = datagram.readableBytes();
        if (segments > 0) {
            boolean fits = segments < MAX_SEGMENTS && runBytes + len <= MAX_RUN_BYTES;
            if (fits && len == segment) {
                append(datagram);
                return;
            }
            if (fits && len > 0 && len < segment) { // a shorter datagram can only end a run
                append(datagram);
                endRun();
                return;
            }
            endRun();
        }
        if (len == 0 || len > maxSegment) {
            channel.write(datagram, channel.voidPromise());
            return;
        }
        first = datagram;
        segment = runBytes = len;
        segments = 1;
    }

    /**
     * Queues a train read whole ({@code UDP_GRO}: datagrams of {@code segmentSize} bytes, the last maybe shorter; taking
     * ownership) as one GSO send of its own; cut into datagrams where this path takes no GSO or a smaller segment.
     */
    void writeTrain(ByteBuf train, int segmentSize) {
        int len = train.readableBytes();
        if (segmentSize > maxSegment || len > MAX_RUN_BYTES || (len + segmentSize - 1) / segmentSize > MAX_SEGMENTS) {
            try {
                for (int at = train.readerIndex(); at < train.writerIndex(); at += segmentSize)
                    write(train.retainedSlice(at, Math.min(segmentSize, train.writerIndex() - at)));
            } finally {
                train.release();
            }
            return;
        }
        endRun();
        send(train, segmentSize);
    }

    /** Sends what was written. */
    void flush() {
        endRun();
        channel.flush();
    }

    /** Releases a run not sent yet (the flow is closing). */
    void discard() {
        if (run != null) run.release();
        else if (first != null) first.release();
        first = run = null;
        segments = 0;
    }

    private void append(ByteBuf datagram) {
        if (run == null) run = channel.alloc().compositeDirectBuffer(MAX_SEGMENTS).addComponent(true, first);
        run.addComponent(true, datagram);
        segments++;
        runBytes += datagram.readableBytes();
    }

    private void endRun() {
        if (segments == 0) return;
        CompositeByteBuf r = run;
        ByteBuf single = first;
        first = run = null;
        segments = 0;
        if (r == null) {
            channel.write(single, channel.voidPromise());
            return;
        }
        send(r, segment);
    }

    /** {@code run} (taking ownership) as one GSO send of {@code size}-byte datagrams; singly if the path refuses it. */
    private void send(ByteBuf run, int size) {
        run.retain(); // kept for a resend should the path refuse GSO
        ChannelFuture sent = channel.write(new SegmentedDatagramPacket(run, size, peer));
        sent.addListener(f -> {
            if (f.isSuccess() || !channel.isActive()) {
                run.release();
                return;
            }
            if (maxSegment != 0)
                log.debug("UDP GSO to {} refused ({}): this flow sends datagram by datagram", peer, f.cause().toString());
            maxSegment = 0;
            // each datagram of the run again, alone: called inside the flush that failed, so these join it, behind
            // the runs already queued (which fail the same way, and follow in order)
            for (int at = run.readerIndex(); at < run.writerIndex(); at += size)
                channel.write(run.retainedSlice(at, Math.min(size, run.writerIndex() - at)), channel.voidPromise());
            run.release();
            channel.flush();
        });
    }
}
