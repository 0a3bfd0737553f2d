package dev.netext.linux.tcp;

import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A view of a TCP socket's {@code struct tcp_info} ({@code include/uapi/linux/tcp.h}) as
 * {@code getsockopt(fd, IPPROTO_TCP, TCP_INFO)} returns it, in native byte order. The struct grows with the kernel and
 * the kernel copies only as much as it has, so the view is checked once against {@link #MIN_LENGTH} (the fields read
 * here, Linux 4.2+); after that no accessor throws. The head of the struct, offsets in bytes:
 * <pre>
 *   0 u8  tcpi_state         1 u8 tcpi_ca_state    2 u8 tcpi_retransmits  3..7 probes, backoff, options, wscale
 *   8 u32 tcpi_rto          12 u32 tcpi_ato        16 u32 tcpi_snd_mss    20 u32 tcpi_rcv_mss
 *  24 u32 tcpi_unacked      28 u32 tcpi_sacked     32 u32 tcpi_lost       36 u32 tcpi_retrans   40 u32 tcpi_fackets
 *  44 u32 last_data_sent    48 u32 last_ack_sent   52 u32 last_data_recv  56 u32 last_ack_recv
 *  60 u32 tcpi_pmtu         64 u32 rcv_ssthresh    68 u32 tcpi_rtt        72 u32 tcpi_rttvar
 *  76 u32 snd_ssthresh      80 u32 tcpi_snd_cwnd   84 u32 tcpi_advmss     88 u32 tcpi_reordering
 *  92 u32 tcpi_rcv_rtt      96 u32 tcpi_rcv_space 100 u32 tcpi_total_retrans
 * 104 u64 pacing_rate      112 u64 max_pacing_rate
 * 120 u64 tcpi_bytes_acked     (RFC 4898 tcpEStatsAppHCThruOctetsAcked, Linux 4.1)
 * 128 u64 tcpi_bytes_received  (RFC 4898 tcpEStatsAppHCThruOctetsReceived, Linux 4.1)
 * 136 u32 tcpi_segs_out   140 u32 tcpi_segs_in   (RFC 4898 tcpEStatsPerfSegsOut/In, Linux 4.2)   … later fields
 * </pre>
 * netext reads the byte counters of spliced flows here: spliced bytes never pass through the JVM, and Netty's
 * {@code EpollTcpInfo} stops before these fields.
 */
public final class TcpInfo {
    public static final int IPPROTO_TCP = 6, TCP_INFO = 11;

    // struct tcp_info fields read here
    static final int STATE = 0, RTT = 68, BYTES_ACKED = 120, BYTES_RECEIVED = 128,
            SEGS_OUT = 136, SEGS_IN = 140;
    /** The struct up to the last field read here: {@code tcpi_segs_in}. */
    public static final int MIN_LENGTH = SEGS_IN + Integer.BYTES;
    /** Room asked of the kernel: the whole struct of today's kernels (280 bytes on Linux 6.18) fits. */
    static final int ASK_LENGTH = 512;

    private final ByteBuffer info;

    private TcpInfo(ByteBuffer info) {
        this.info = info;
    }

    /**
     * A view over {@code bytes} (position to limit: what the kernel returned).
     *
     * @throws IllegalArgumentException when shorter than {@link #MIN_LENGTH}
     */
    public static TcpInfo of(ByteBuffer bytes) {
        ByteBuffer b = bytes.slice().order(ByteOrder.nativeOrder());
        if (b.remaining() < MIN_LENGTH)
            throw new IllegalArgumentException("tcp_info of " + b.remaining() + " bytes, shorter than " + MIN_LENGTH);
        return new TcpInfo(b);
    }

    /**
     * The socket {@code fd}'s TCP_INFO, copied out of the kernel; null when the kernel's struct is shorter than
     * {@link #MIN_LENGTH} (before Linux 4.2).
     *
     * @throws LinuxException when {@code fd} is not an open TCP socket
     */
    public static TcpInfo read(int fd) throws LinuxException {
        byte[] bytes;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ASK_LENGTH, 8);
            int len = Libc.getsockopt(fd, IPPROTO_TCP, TCP_INFO, out);
            if (len < MIN_LENGTH) return null;
            bytes = out.asSlice(0, len).toArray(JAVA_BYTE);
        }
        return of(ByteBuffer.wrap(bytes));
    }

    /** Bytes of the struct the kernel filled in. */
    public int length() { return info.limit(); }

    /** {@code tcpi_state}: {@code TCP_ESTABLISHED} 1 … {@code TCP_CLOSING} 11, as in {@code include/net/tcp_states.h}. */
    public int state() { return Byte.toUnsignedInt(info.get(STATE)); }

    /** {@code tcpi_rtt}: smoothed round-trip time in microseconds. */
    public long rttMicros() { return Integer.toUnsignedLong(info.getInt(RTT)); }

    /**
     * {@code tcpi_bytes_acked}: bytes this socket sent that the peer acknowledged. On the side that connected, the
     * SYN counts as one (the kernel adds every advance of {@code snd_una}, the first ACK's included).
     */
    public long bytesAcked() { return info.getLong(BYTES_ACKED); }

    /** {@code tcpi_bytes_received}: payload bytes this socket received (in order, acknowledged by it). */
    public long bytesReceived() { return info.getLong(BYTES_RECEIVED); }

    /** {@code tcpi_segs_out}: segments sent, retransmissions and pure ACKs included. */
    public long segmentsOut() { return Integer.toUnsignedLong(info.getInt(SEGS_OUT)); }

    /** {@code tcpi_segs_in}: segments received. */
    public long segmentsIn() { return Integer.toUnsignedLong(info.getInt(SEGS_IN)); }
}
