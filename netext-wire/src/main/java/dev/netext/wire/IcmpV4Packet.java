package dev.netext.wire;

import java.nio.ByteBuffer;

/**
 * A re-pointable view of an ICMPv4 message (RFC 792). The checksum covers the ICMP message only, without a
 * pseudo-header. The window must be exactly the ICMP message (the IPv4 payload), since ICMP has no length field.
 */
public final class IcmpV4Packet extends IcmpPacket {

    /** RFC 792 type numbers (those this framework acts on or generates). */
    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DEST_UNREACHABLE = 3;
    public static final int TYPE_REDIRECT = 5;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;
    public static final int TYPE_PARAMETER_PROBLEM = 12;

    /** Re-points this view; never throws. */
    public IcmpV4Packet wrap(ByteBuffer buf, int offset, int length) {
        repoint(buf, offset, length);
        return this;
    }

    /** Checked factory for cold paths. */
    public static IcmpV4Packet of(ByteBuffer buf, int offset, int length) throws MalformedPacketException {
        IcmpV4Packet p = new IcmpV4Packet().wrap(buf, offset, length);
        p.check();
        return p;
    }

    /** Points at the IPv4 payload. */
    public boolean tryWrap(Ipv4Packet ip) {
        return tryWrap(ip.buffer(), ip.payloadOffset(), ip.payloadLength());
    }

    /** Recomputes the checksum over the whole message (RFC 792: "starting with the ICMP Type"). */
    public void fillChecksum() {
        setChecksum(0);
        setChecksum(Checksum.compute(buf, off, len));
    }

    public boolean verifyChecksum() {
        return Checksum.verifies(Checksum.sum(buf, off, len));
    }

    @Override public String toString() {
        return "IcmpV4Packet[off=" + off + ", len=" + len + "]";
    }
}
