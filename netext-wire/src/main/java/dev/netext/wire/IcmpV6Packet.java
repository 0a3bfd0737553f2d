package dev.netext.wire;

import java.nio.ByteBuffer;

/**
 * A re-pointable view of an ICMPv6 message (RFC 4443). Unlike ICMPv4 the checksum covers the IPv6 pseudo-header
 * (RFC 4443 §2.3), so the fill/verify methods take the enclosing {@link Ipv6Packet}.
 */
public final class IcmpV6Packet extends IcmpPacket {

    /** RFC 4443 §3–4 and RFC 4861 §4 type numbers. Types 0–127 are errors, 128–255 informational (§2.1). */
    public static final int TYPE_DEST_UNREACHABLE = 1;
    public static final int TYPE_PACKET_TOO_BIG = 2;
    public static final int TYPE_TIME_EXCEEDED = 3;
    public static final int TYPE_PARAMETER_PROBLEM = 4;
    public static final int TYPE_ECHO_REQUEST = 128;
    public static final int TYPE_ECHO_REPLY = 129;
    public static final int TYPE_ROUTER_SOLICITATION = 133;
    public static final int TYPE_ROUTER_ADVERTISEMENT = 134;
    public static final int TYPE_NEIGHBOR_SOLICITATION = 135;
    public static final int TYPE_NEIGHBOR_ADVERTISEMENT = 136;
    public static final int TYPE_REDIRECT = 137;

    /** Re-points this view; never throws. */
    public IcmpV6Packet wrap(ByteBuffer buf, int offset, int length) {
        repoint(buf, offset, length);
        return this;
    }

    /** Checked factory for cold paths. */
    public static IcmpV6Packet of(ByteBuffer buf, int offset, int length) throws MalformedPacketException {
        IcmpV6Packet p = new IcmpV6Packet().wrap(buf, offset, length);
        p.check();
        return p;
    }

    /** Points at the upper-layer part of a checked IPv6 packet. */
    public boolean tryWrap(Ipv6Packet ip) {
        return tryWrap(ip.buffer(), ip.upperLayerOffset(), ip.upperLayerLength());
    }

    /** Whether the type is an error message (high bit clear, RFC 4443 §2.1). */
    public boolean isError() {
        return type() < 128;
    }

    /** Recomputes the checksum over pseudo-header and message (RFC 4443 §2.3). */
    public void fillChecksum(Ipv6Packet ip) {
        setChecksum(0);
        int s = Checksum.add(ip.pseudoHeaderSum(IpProtocol.ICMPV6, len), Checksum.sum(buf, off, len));
        setChecksum(Checksum.finish(s));
    }

    public boolean verifyChecksum(Ipv6Packet ip) {
        return Checksum.verifies(Checksum.add(ip.pseudoHeaderSum(IpProtocol.ICMPV6, len), Checksum.sum(buf, off, len)));
    }

    @Override public String toString() {
        return "IcmpV6Packet[off=" + off + ", len=" + len + "]";
    }
}
