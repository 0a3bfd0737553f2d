package dev.netext.linux.tun;

import dev.netext.api.tunnel.PacketBatch;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * ACK thinning on the way into the kernel: a pure TCP ACK that a later pure ACK of the same connection in the same
 * batch acknowledges beyond is not written (its length set to 0, the batch's drop convention). The later one carries
 * everything it said, with a newer window and timestamp; the local TCP sender's work per ACK — and the TUN write —
 * happens once instead of several times. A peer that sends one datagram per segment (wireguard-go without offloads, a
 * kernel WireGuard peer) gets one ACK per two segments back from its kernel, each a datagram netext receives, opens
 * and used to write to the TUN device alone.
 *
 * <p>Conservative, as CAKE's ack-filter: only ACKs with nothing else to say are dropped — flags exactly ACK (no PSH,
 * FIN, SYN, RST, URG, ECE, CWR), no payload, no options but NOP, EOL and timestamps (a SACK block or a duplicate
 * ACK's loss signal is never thinned: a later ACK must acknowledge strictly more), IPv4 without options and not a
 * fragment, or IPv6 with TCP as the next header, no CE mark, valid IP and TCP checksums. Packets keep their order;
 * only the superseded ones go.
 *
 * <p>One backward pass over the batch with a table of at most {@value #FLOWS} connections; allocates nothing.
 * {@code -Dnetext.tun.ackThinning=false} turns it off (side-by-side measurements).
 */
final class AckThinning {
    static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("netext.tun.ackThinning", "true"));
    /** Connections followed in one batch; ACKs of further ones are written as they are. */
    static final int FLOWS = 8;
    private static final int TCP_ACK_ONLY = 0x10;
    /** The longest pure ACK: an IPv6 header and a TCP header with 40 bytes of options. */
    static final int MAX_PURE_ACK = 40 + 60;
    private static final ValueLayout.OfInt BE_INT = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final int[] slot = new int[FLOWS];
    private final int[] maxAck = new int[FLOWS];

    /** Zeroes the superseded pure ACKs of {@code batch}; returns how many. Single-threaded, as the TUN writer is. */
    int thin(PacketBatch batch) {
        int count = batch.count();
        if (count < 2) return 0;
        int flows = 0, thinned = 0;
        for (int i = count - 1; i >= 0; i--) {
            int len = batch.length(i);
            if (len == 0 || len > MAX_PURE_ACK) continue;
            MemorySegment p = batch.slotSegment(i); // no view per packet: the write path allocates nothing
            int ipLen = pureAckIpLength(p, len);
            if (ipLen < 0) continue;
            int ack = p.get(BE_INT, ipLen + 8);
            int f = 0;
            while (f < flows && !sameConnection(batch.slotSegment(slot[f]), p, ipLen)) f++;
            if (f == flows) {
                if (flows == FLOWS) continue;
                flows++;
                slot[f] = i;
                maxAck[f] = ack;
            } else if (maxAck[f] - ack > 0) { // a later ACK of this connection acknowledges more (sequence space)
                batch.setLength(i, 0);
                thinned++;
            } else {
                slot[f] = i;
                maxAck[f] = ack;
            }
        }
        return thinned;
    }

    /** The IP header length of {@code p} if it is a pure ACK that may be thinned (see the class comment), else -1. */
    static int pureAckIpLength(MemorySegment p, int len) {
        if (len < 40) return -1;
        int ipLen = GsoSplitter.tcpIpHeaderLength(p, len);
        if (ipLen < 0) return -1;
        int ecn = ipLen == 20 ? p.get(JAVA_BYTE, 1) & 3 : (p.get(JAVA_BYTE, 1) >> 4) & 3;
        if (ecn == 3) return -1;                                            // CE: the congestion signal must reach TCP
        int tcpLen = ((p.get(JAVA_BYTE, ipLen + 12) >> 4) & 0xf) * 4;
        if (tcpLen < 20 || ipLen + tcpLen != len) return -1;                // a payload, or a bad offset
        if ((p.get(JAVA_BYTE, ipLen + 13) & 0xff) != TCP_ACK_ONLY) return -1;
        for (int o = ipLen + 20, end = ipLen + tcpLen; o < end; ) {
            int kind = p.get(JAVA_BYTE, o) & 0xff;
            if (kind == 0) break;
            if (kind == 1) { o++; continue; }
            if (kind != 8 || o + 10 > end || (p.get(JAVA_BYTE, o + 1) & 0xff) != 10) return -1; // only timestamps
            o += 10;
        }
        // the checksums last: data segments, the most of a batch, left at the length check above
        if (ipLen == 20 && GsoSplitter.fold(GsoSplitter.headerSum(p, 0, 20, 0)) != 0xffff) return -1;
        long pseudo = GsoSplitter.addressSum(p, ipLen) + GsoSplitter.IPPROTO_TCP + tcpLen;
        if (GsoSplitter.fold(GsoSplitter.headerSum(p, ipLen, tcpLen, pseudo)) != 0xffff) return -1;
        return ipLen;
    }

    /** Same IP version, addresses and ports. */
    private static boolean sameConnection(MemorySegment a, MemorySegment b, int ipLen) {
        if ((((a.get(JAVA_BYTE, 0) ^ b.get(JAVA_BYTE, 0)) >> 4) & 0xf) != 0) return false;
        long addr = ipLen == 20 ? 12 : 8;
        return MemorySegment.mismatch(a, addr, ipLen + 4, b, addr, ipLen + 4) == -1;
    }
}
