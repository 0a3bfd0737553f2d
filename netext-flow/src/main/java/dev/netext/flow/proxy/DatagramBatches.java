package dev.netext.flow.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * How a SOCKS5 association's relay socket reads (and an intercepted flow's reply and upstream sockets with
 * {@code -Dnetext.flow.udpGro=false}; by default they read GSO trains too, {@link DatagramTrains}): in
 * {@code recvmmsg} batches. Netty's epoll transport reads up to
 * (receive buffer ÷ {@code MAX_DATAGRAM_PAYLOAD_SIZE}) datagrams with one {@code recvmmsg} into slots of one pooled
 * buffer, hands each on as a slice, reads again while a {@code recvmmsg} filled every slot (up to
 * {@link #DATAGRAMS_PER_WAKEUP}), and fires read-complete once per batch — where the flow flushes the other socket,
 * so the batch leaves with one {@code sendmmsg}. A slot holds the largest UDP payload (a datagram larger than its
 * slot would be cut silently); slots cost address space, not copying: the kernel writes only the datagram's bytes.
 *
 * <p>Without a payload size, Netty reads a connected socket with one {@code recv} per datagram, and, since a short
 * datagram in a large buffer reads as "no more data", only one per wake-up: every datagram cost an epoll round, a
 * {@code recv}, a lone {@code send} (no batch to flush) and a 64 KiB buffer (2026-12-07 profile, docs/PERFORMANCE.md).
 *
 * <p>The slices pin their batch's buffer until the last is released: a flow that keeps a datagram (held while
 * undecided) keeps a {@link #compact} copy instead.
 */
public final class DatagramBatches {
    /** The largest UDP payload: an IPv6 datagram's 65 535-byte payload length minus the 8-byte UDP header. */
    static final int MAX_UDP_PAYLOAD = 65_535 - 8;
    /** Datagrams per {@code recvmmsg}: Netty's default messages per read for datagram channels. */
    static final int DATAGRAMS_PER_READ = 16;
    /**
     * Datagrams read per wake-up before the read batch ends (several {@code recvmmsg}, one buffer each): as many as
     * one UDP GSO send carries ({@code UDP_MAX_SEGMENTS}), so a client's burst leaves in one send, not in one per
     * {@code recvmmsg} with an event-loop round between them.
     */
    static final int DATAGRAMS_PER_WAKEUP = 64;
    /**
     * The pooled allocator (a batch buffer is a run of one of its 4 MiB chunks): Netty's default adaptive allocator
     * pools buffers up to 1 MiB only in a process with 512 MiB of memory or more (256 KiB below), and a buffer it does
     * not pool is a fresh native allocation (and its pages faulted in) per read.
     */
    private static final ByteBufAllocator BATCH_BUFFERS = PooledByteBufAllocator.DEFAULT;

    /**
     * SO_RCVBUFFORCE (asm-generic/socket.h; CAP_NET_ADMIN, which interception needs anyway): past
     * {@code net.core.rmem_max}. A client's burst lands in the flow's reply socket at loopback speed, where sent
     * directly it would have waited for its own socket's send buffer: what the relay has not read by then is lost.
     */
    static final IntegerUnixChannelOption SO_RCVBUFFORCE = new IntegerUnixChannelOption("SO_RCVBUFFORCE", 1, 33);
    /** Receive buffer per relay socket: memory is charged only while datagrams wait (the kernel doubles it for its overhead). */
    static final int RECEIVE_BUFFER = 2 << 20;

    private DatagramBatches() {}

    /** {@code b} reads in batches, with room for a burst. */
    public static Bootstrap readInBatches(Bootstrap b) {
        return b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_UDP_PAYLOAD)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new WhileFull(MAX_UDP_PAYLOAD * DATAGRAMS_PER_READ, DATAGRAMS_PER_WAKEUP))
                .option(ChannelOption.ALLOCATOR, BATCH_BUFFERS)
                .option(SO_RCVBUFFORCE, RECEIVE_BUFFER);
    }

    /**
     * Fixed-size read buffers, read again while the last {@code recvmmsg} filled every slot (the queue may hold more)
     * and fewer than {@code maxDatagrams} were read. Netty's own allocators either stop after one {@code recvmmsg}
     * (one message per read) or go on until the socket is empty — a {@code recvmmsg} that fails with EAGAIN after
     * every lone datagram.
     */
    static final class WhileFull extends DefaultMaxMessagesRecvByteBufAllocator {
        private final int bufferSize;

        WhileFull(int bufferSize, int maxDatagrams) {
            super(maxDatagrams);
            this.bufferSize = bufferSize;
        }

        @Override
        public Handle newHandle() {
            return new MaxMessageHandle() {
                @Override
                public int guess() { return bufferSize; }

                @Override
                public boolean continueReading(UncheckedBooleanSupplier maybeMoreData) {
                    return super.continueReading(maybeMoreData) && lastBytesRead() == attemptedBytesRead();
                }
            };
        }
    }

    /** {@code data} in a buffer of its own size (released), so keeping it does not keep its whole batch. */
    public static ByteBuf compact(ByteBuf data) {
        try {
            return data.copy();
        } finally {
            data.release();
        }
    }
}
