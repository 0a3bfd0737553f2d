package dev.netext.linux.tun;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * The write side of TUN offloads (user-space GRO): consecutive packets of one TCP flow that continue each other are
 * written to the kernel as one super-packet behind a {@code virtio_net_hdr} with {@code gso_type} TCPV4/TCPV6, so the
 * kernel's receive path runs once for up to 64 KiB instead of once per segment. The rules follow the kernel's own
 * tcp_gro_receive: same addresses, ports and IP header (but length, identification and checksum), same TCP header
 * (but sequence number, checksum and PSH), sequence numbers contiguous, only ACK (and PSH, which ends a run) set, every
 * segment as long as the first but the last, which may be shorter and then ends the run. Each packet's checksums are
 * verified first: a merged packet is handed over as {@code NEEDS_CSUM} and the kernel would not check it again.
 *
 * <p>Stateless; works on the batch's native slots without allocating.
 */
final class TcpCoalescer {
    static final int TCP_ACK = 0x10, TCP_PSH = 0x08;
    /** The largest super-packet written: an IPv4 total length must fit 16 bits. */
    static final int MAX_SUPER_PACKET = 65_535;

    private static final ValueLayout.OfInt BE_INT = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private TcpCoalescer() {}

    /**
     * The length of the IP + TCP headers of {@code p} if it may start or join a run (IPv4 without options and not a
     * fragment, or IPv6 with TCP as the next header; TCP with ACK and at most PSH besides; a payload; valid
     * checksums), else -1.
     */
    static int eligible(MemorySegment p, int len) {
        if (len < 40) return -1;
        int ipLen = GsoSplitter.tcpIpHeaderLength(p, len);
        if (ipLen < 0) return -1;
        if (ipLen == 20 && GsoSplitter.fold(GsoSplitter.headerSum(p, 0, 20, 0)) != 0xffff) return -1;
        long pseudo = GsoSplitter.addressSum(p, ipLen);
        int tcpLen = ((p.get(JAVA_BYTE, ipLen + 12) >> 4) & 0xf) * 4;
        if (tcpLen < 20 || ipLen + tcpLen >= len) return -1; // no payload: nothing to merge
        int flags = p.get(JAVA_BYTE, ipLen + 13) & 0xff;
        if ((flags & ~TCP_PSH) != TCP_ACK) return -1;
        pseudo += GsoSplitter.IPPROTO_TCP + (len - ipLen);
        if (GsoSplitter.fold(GsoSplitter.sum(p, ipLen, len - ipLen, pseudo)) != 0xffff) return -1;
        return ipLen + tcpLen;
    }

    /**
     * Whether {@code next} (eligible, {@code nextLen} bytes, headers {@code hdrLen}) continues {@code first}, whose
     * segments carry {@code gsoSize} bytes, right after {@code expectedSeq}.
     */
    static boolean continues(MemorySegment first, int hdrLen, int gsoSize, long expectedSeq, MemorySegment next, int nextLen,
                             int nextHdrLen) {
        if (nextHdrLen != hdrLen || nextLen - hdrLen > gsoSize) return false;
        boolean v4 = ((first.get(JAVA_BYTE, 0) >> 4) & 0xf) == 4;
        if (((next.get(JAVA_BYTE, 0) >> 4) & 0xf) != (v4 ? 4 : 6)) return false;
        int ipLen = v4 ? 20 : 40;
        if (v4) {
            // version..TOS, flags/fragment, TTL, protocol, addresses; not length, identification, checksum
            if (!same(first, next, 0, 2) || !same(first, next, 6, 4) || !same(first, next, 12, 8)) return false;
        } else {
            if (!same(first, next, 0, 4) || !same(first, next, 6, 34)) return false;
        }
        if (!same(first, next, ipLen, 4) || !same(first, next, ipLen + 8, 5)) return false; // ports; ack, offset
        if (!same(first, next, ipLen + 14, 2) || !same(first, next, ipLen + 18, hdrLen - ipLen - 18)) return false;
        if ((first.get(JAVA_BYTE, ipLen + 13) & TCP_PSH) != 0) return false;
        return (next.get(BE_INT, ipLen + 4) & 0xffffffffL) == (expectedSeq & 0xffffffffL);
    }

    /** Whether a packet ends the run it joined (PSH, or shorter than the segment size). */
    static boolean endsRun(MemorySegment p, int len, int hdrLen, int gsoSize) {
        return hasPsh(p) || len - hdrLen < gsoSize;
    }

    static boolean hasPsh(MemorySegment p) {
        int ipLen = ((p.get(JAVA_BYTE, 0) >> 4) & 0xf) == 4 ? 20 : 40;
        return (p.get(JAVA_BYTE, ipLen + 13) & TCP_PSH) != 0;
    }

    static long seq(MemorySegment p) {
        int ipLen = ((p.get(JAVA_BYTE, 0) >> 4) & 0xf) == 4 ? 20 : 40;
        return p.get(BE_INT, ipLen + 4) & 0xffffffffL;
    }

    private static boolean same(MemorySegment a, MemorySegment b, long off, int len) {
        return len <= 0 || MemorySegment.mismatch(a, off, off + len, b, off, off + len) == -1;
    }

    /**
     * Writes the header of a merged packet: {@code vnet} gets the virtio_net_hdr (NEEDS_CSUM, TCPV4/6,
     * {@code gsoSize}), {@code header} the first packet's IP + TCP headers with the merged length, a new IPv4 header
     * checksum, PSH as the last packet had it, and the pseudo-header sum in the TCP checksum field (the kernel's
     * CHECKSUM_PARTIAL convention).
     */
    static void mergedHeader(MemorySegment first, int hdrLen, int gsoSize, int totalLen, boolean psh, MemorySegment header,
                             MemorySegment vnet) {
        MemorySegment.copy(first, 0, header, 0, hdrLen);
        boolean v4 = ((first.get(JAVA_BYTE, 0) >> 4) & 0xf) == 4;
        int ipLen = v4 ? 20 : 40;
        long pseudo;
        if (v4) {
            GsoSplitter.put16(header, 2, totalLen);
            GsoSplitter.put16(header, 10, 0);
            GsoSplitter.put16(header, 10, ~GsoSplitter.fold(GsoSplitter.headerSum(header, 0, 20, 0)) & 0xffff);
            pseudo = GsoSplitter.headerSum(header, 12, 8, 0);
        } else {
            GsoSplitter.put16(header, 4, totalLen - 40);
            pseudo = GsoSplitter.headerSum(header, 8, 32, 0);
        }
        int flags = header.get(JAVA_BYTE, ipLen + 13) & 0xff;
        header.set(JAVA_BYTE, ipLen + 13, (byte) (psh ? flags | TCP_PSH : flags & ~TCP_PSH));
        GsoSplitter.put16(header, ipLen + 16, GsoSplitter.fold(pseudo + GsoSplitter.IPPROTO_TCP + (totalLen - ipLen)));
        vnet.set(JAVA_BYTE, 0, (byte) GsoSplitter.VIRTIO_NET_HDR_F_NEEDS_CSUM);
        vnet.set(JAVA_BYTE, 1, (byte) (v4 ? GsoSplitter.VIRTIO_NET_HDR_GSO_TCPV4 : GsoSplitter.VIRTIO_NET_HDR_GSO_TCPV6));
        vnet.set(JAVA_SHORT_UNALIGNED, 2, (short) hdrLen);
        vnet.set(JAVA_SHORT_UNALIGNED, 4, (short) gsoSize);
        vnet.set(JAVA_SHORT_UNALIGNED, 6, (short) ipLen);
        vnet.set(JAVA_SHORT_UNALIGNED, 8, (short) 16);
    }
}
