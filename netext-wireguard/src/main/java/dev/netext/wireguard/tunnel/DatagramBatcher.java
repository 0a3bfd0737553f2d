package dev.netext.wireguard.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Collects one thread's outgoing WireGuard datagrams and hands them to the UDP channel in as few sends as it can:
 * consecutive datagrams to the same endpoint with the same length become one UDP GSO send
 * ({@link SegmentedDatagramPacket}: the kernel cuts it into datagrams of {@code segmentSize}; only the last may be
 * shorter, so a short one ends a run). Bulk transfers seal equal-size packets (full MTU, padded), which is where this
 * saves syscalls; anything else is sent one datagram per message, all flushed together (sendmmsg).
 *
 * <p>One batcher serves every thread of a device (the TUN reader, the UDP receive thread's handshake replies and staged
 * packets, the timers): datagrams enter it under the sealing peer's lock, so its order is the counter order, and it
 * hands them to the channel in that order. Whoever ends a burst calls {@link #flush}. The buffers it writes are
 * released by Netty.
 */
final class DatagramBatcher {
    /**
     * Datagrams per GSO send: the kernel's UDP_MAX_SEGMENTS on older kernels, unless
     * {@code -Dnetext.wireguard.gso.segments=N} asks for shorter trains (a peer that reads one datagram per system
     * call takes a train as a burst into its socket buffer).
     */
    static final int MAX_SEGMENTS = Math.clamp(Integer.getInteger("netext.wireguard.gso.segments", 64), 1, 64);
    /** A GSO send is one UDP datagram before segmentation: its payload stays below 64 KiB. */
    static final int MAX_RUN_BYTES = 65_000;

    private final Channel channel;
    private final ByteBufAllocator alloc;
    private final boolean gso;
    private ByteBuf run;
    private InetSocketAddress runTo;
    private int segmentSize;
    private int segments;
    private boolean runClosed;
    private int pending;

    DatagramBatcher(Channel channel, boolean gso) {
        this.channel = channel;
        this.alloc = channel.alloc();
        this.gso = gso;
    }

    /** Copies {@code datagram}'s remaining bytes into the current run (or a new one). */
    synchronized void add(ByteBuffer datagram, InetSocketAddress to) {
        int len = datagram.remaining();
        if (run != null && (!gso || runClosed || len > segmentSize || segments == MAX_SEGMENTS
                || run.readableBytes() + len > MAX_RUN_BYTES || !to.equals(runTo))) {
            emit();
        }
        if (run == null) {
            run = alloc.directBuffer(gso ? Math.max(len, 16 * 1024) : len, MAX_RUN_BYTES);
            runTo = to;
            segmentSize = len;
            segments = 0;
            runClosed = false;
        }
        run.writeBytes(datagram.duplicate());
        segments++;
        if (len < segmentSize) runClosed = true;
    }

    private void emit() {
        if (run == null) return;
        ByteBuf b = run;
        run = null;
        if (segments > 1) channel.write(new SegmentedDatagramPacket(b, segmentSize, runTo), channel.voidPromise());
        else channel.write(new DatagramPacket(b, runTo), channel.voidPromise());
        if (++pending >= 16) {
            channel.flush();
            pending = 0;
        }
    }

    /** Sends everything collected. */
    synchronized void flush() {
        emit();
        if (pending > 0) {
            channel.flush();
            pending = 0;
        }
    }
}
