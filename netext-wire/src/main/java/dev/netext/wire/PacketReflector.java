package dev.netext.wire;

import java.nio.ByteBuffer;

/**
 * Turns one raw IP packet into its reply, in place: the engine of the built-in "pong" tunnel provider.
 *
 * <p>Pipeline per packet: validate the IP header (IPv4 header checksum too) → drop fragments, IPv6 Routing headers,
 * multicast/broadcast/unspecified endpoints and packets addressed to one of the "own" addresses → ICMP Echo Request
 * becomes Echo Reply (v4 8→0, v6 128→129), UDP gets its ports swapped → swap addresses → TTL / Hop Limit := 64.
 *
 * <p>Checksums are fixed without reading the payload. Swapping source and destination (addresses or ports) leaves
 * every one's-complement sum unchanged, since addition is commutative (RFC 1071 §2(B)); so UDP checksums, ICMPv6
 * pseudo-headers and the IPv4 header sum survive the swap. The two fields that really change, the ICMP type and the
 * IPv4 TTL, are patched with RFC 1624 incremental updates. Transport checksums of the request are not verified:
 * incremental updating preserves a corruption, so a damaged request yields a reply its sender will reject, which is
 * the end-to-end behaviour we want, at no per-byte cost.
 *
 * <p>Never throws for any content of the window, and allocates nothing. Not thread-safe (it owns its views): use
 * one instance per worker.
 */
public final class PacketReflector {

    /** Returned by {@link #reflect} when the packet gets no reply. */
    public static final int DROP = -1;
    /** TTL / Hop Limit of replies (IANA default, as a fresh packet from this host would carry). */
    public static final int REPLY_HOP_LIMIT = 64;

    private static final int V4_MULTICAST_MASK = 0xF000_0000;
    private static final int V4_MULTICAST_PREFIX = 0xE000_0000;   // 224.0.0.0/4, RFC 5771
    private static final int V4_LIMITED_BROADCAST = 0xFFFF_FFFF;  // RFC 919
    private static final int V4_CLASS_E_PREFIX = 0xF000_0000;     // 240.0.0.0/4 reserved, RFC 1112 §4

    private final AddressSet ownAddresses;
    private final Ipv4Packet v4 = new Ipv4Packet();
    private final Ipv6Packet v6 = new Ipv6Packet();
    private final IcmpV4Packet icmp4 = new IcmpV4Packet();
    private final IcmpV6Packet icmp6 = new IcmpV6Packet();
    private final UdpPacket udp = new UdpPacket();

    /** A reflector that answers for every unicast destination. */
    public PacketReflector() {
        this(AddressSet.EMPTY);
    }

    /** @param ownAddresses destinations to drop rather than answer (e.g. the tunnel's own interface addresses) */
    public PacketReflector(AddressSet ownAddresses) {
        this.ownAddresses = ownAddresses;
    }

    /**
     * Rewrites the packet at {@code [offset, offset+length)} into its reply.
     *
     * @return the reply's length (the IP packet length from its header, which may be shorter than {@code length}
     *         if the window had trailing padding), or {@link #DROP}
     */
    public int reflect(ByteBuffer buf, int offset, int length) {
        if (v4.tryWrap(buf, offset, length)) {
            return reflectV4();
        }
        if (v6.tryWrap(buf, offset, length)) {
            return reflectV6();
        }
        return DROP;
    }

    private int reflectV4() {
        if (!v4.verifyChecksum() || v4.isFragment()) {
            return DROP;
        }
        int src = v4.sourceAddress();
        int dst = v4.destinationAddress();
        if (!isV4Unicast(dst) || !isV4Unicast(src) || src == 0
                || ownAddresses.contains(v4.buffer(), v4.destinationAddressOffset(), Ipv4Packet.Field.ADDR_LEN)) {
            return DROP;
        }
        switch (v4.protocol()) {
            case IpProtocol.ICMP -> {
                if (!icmp4.tryWrap(v4) || icmp4.type() != IcmpV4Packet.TYPE_ECHO_REQUEST || icmp4.code() != 0) {
                    return DROP;
                }
                icmp4.setTypeAndCodeIncremental(IcmpV4Packet.TYPE_ECHO_REPLY, 0);
            }
            case IpProtocol.UDP -> {
                if (!udp.tryWrap(v4)) {
                    return DROP;
                }
                udp.swapPorts();
            }
            default -> {
                return DROP;
            }
        }
        v4.swapAddresses();
        int oldWord = v4.ttl() << 8 | v4.protocol();     // TTL and Protocol share one 16-bit word
        v4.setTtl(REPLY_HOP_LIMIT);
        v4.setHeaderChecksum(Checksum.update16(v4.headerChecksum(), oldWord, REPLY_HOP_LIMIT << 8 | v4.protocol()));
        return v4.totalLength();
    }

    private static boolean isV4Unicast(int addr) {
        int top = addr & V4_MULTICAST_MASK;
        return top != V4_MULTICAST_PREFIX && top != V4_CLASS_E_PREFIX && addr != V4_LIMITED_BROADCAST;
    }

    private int reflectV6() {
        // Fragments need reassembly; a Routing header means the reply would need the reversed route and the
        // pseudo-header the final destination (RFC 8200 §8.1): neither is a pong's business.
        if (v6.isFragment() || v6.routingHeaderOffset() >= 0) {
            return DROP;
        }
        long srcHigh = v6.sourceAddressHigh();
        if (isV6Multicast(srcHigh) || (srcHigh == 0 && v6.sourceAddressLow() == 0)
                || isV6Multicast(v6.destinationAddressHigh())
                || ownAddresses.contains(v6.buffer(), v6.destinationAddressOffset(), Ipv6Packet.Field.ADDR_LEN)) {
            return DROP;
        }
        switch (v6.upperLayerProtocol()) {
            case IpProtocol.ICMPV6 -> {
                if (!icmp6.tryWrap(v6) || icmp6.type() != IcmpV6Packet.TYPE_ECHO_REQUEST || icmp6.code() != 0) {
                    return DROP;
                }
                icmp6.setTypeAndCodeIncremental(IcmpV6Packet.TYPE_ECHO_REPLY, 0);
            }
            case IpProtocol.UDP -> {
                // A zero UDP checksum is invalid over IPv6 (RFC 8200 §8.1).
                if (!udp.tryWrap(v6) || udp.checksum() == Checksum.UDP_NONE) {
                    return DROP;
                }
                udp.swapPorts();
            }
            default -> {
                return DROP;
            }
        }
        v6.swapAddresses();
        v6.setHopLimit(REPLY_HOP_LIMIT);
        return v6.packetLength();
    }

    /** ff00::/8 (RFC 4291 §2.7). */
    private static boolean isV6Multicast(long high) {
        return (high >>> 56) == 0xFF;
    }
}
