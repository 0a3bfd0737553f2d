package dev.netext.linux.nfqueue;

import dev.netext.linux.netlink.NetlinkFormatException;
import dev.netext.linux.netlink.NetlinkH;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.netext.linux.nfqueue.NfqueueH.*;

/**
 * One {@code NFQNL_MSG_PACKET} message, read in place: a reusable flyweight that {@link #parse} fills from a receive
 * buffer without allocating, so the queue's hot path makes no garbage. The packet bytes stay in the receive buffer;
 * {@link #payload()} is a view valid until the buffer is reused (the next receive).
 *
 * <p>Layout (nfnetlink_queue.h): {@code nlmsghdr}, {@code nfgenmsg} (res_id = queue number), then attributes, whose
 * values are big-endian. {@code NFQA_PACKET_HDR} is required; everything else is optional and defaults to "absent"
 * ({@code -1} for numbers). Checking is done once in {@link #parse}; accessors never throw.
 */
public final class NfqPacket {
    static final ValueLayout.OfInt NATIVE_INT = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfShort NATIVE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private MemorySegment segment = MemorySegment.NULL;
    private boolean sawHeader;
    private int queue, packetId, hwProtocol, hook;
    private int mark, inIfindex, outIfindex, capLen, skbInfo, ctInfo, ctMark, uid, gid;
    private long payloadOffset;
    private int payloadLength;

    /**
     * Reads the message of {@code length} bytes at {@code offset} in {@code buf} (starting with its nlmsghdr).
     *
     * @throws NetlinkFormatException if it is not a well-formed queue packet message
     */
    public NfqPacket parse(MemorySegment buf, long offset, int length) {
        if (length < NetlinkH.NLMSG_HDRLEN + NfnetlinkH.NFGENMSG_LEN)
            throw new NetlinkFormatException("queue packet message of " + length + " bytes is too short");
        int nlLen = buf.get(NATIVE_INT, offset);
        int type = Short.toUnsignedInt(buf.get(NATIVE_SHORT, offset + 4));
        if (nlLen < NetlinkH.NLMSG_HDRLEN + NfnetlinkH.NFGENMSG_LEN || nlLen > length)
            throw new NetlinkFormatException("nlmsg_len " + Integer.toUnsignedString(nlLen) + " outside 20.." + length);
        if (type != NfnetlinkH.type(NfnetlinkH.NFNL_SUBSYS_QUEUE, NFQNL_MSG_PACKET))
            throw new NetlinkFormatException("not a queue packet message: type 0x" + Integer.toHexString(type));
        segment = buf;
        queue = Short.toUnsignedInt(buf.get(BE_SHORT, offset + NetlinkH.NLMSG_HDRLEN + 2));
        sawHeader = false;
        packetId = hwProtocol = hook = -1;
        mark = 0;
        inIfindex = outIfindex = capLen = skbInfo = ctInfo = ctMark = uid = gid = -1;
        payloadOffset = 0;
        payloadLength = -1;
        long end = offset + nlLen;
        long pos = offset + NetlinkH.NLMSG_HDRLEN + NfnetlinkH.NFGENMSG_LEN;
        while (end - pos >= NetlinkH.NLA_HDRLEN) {
            int len = Short.toUnsignedInt(buf.get(NATIVE_SHORT, pos));
            int attr = Short.toUnsignedInt(buf.get(NATIVE_SHORT, pos + 2)) & NetlinkH.NLA_TYPE_MASK;
            if (len < NetlinkH.NLA_HDRLEN || len > end - pos)
                throw new NetlinkFormatException("nla_len " + len + " of attribute " + attr + " outside 4.." + (end - pos));
            long v = pos + NetlinkH.NLA_HDRLEN;
            int vlen = len - NetlinkH.NLA_HDRLEN;
            switch (attr) {
                case NFQA_PACKET_HDR -> {
                    need(attr, vlen, PACKET_HDR_LEN);
                    sawHeader = true;
                    packetId = buf.get(BE_INT, v);
                    hwProtocol = Short.toUnsignedInt(buf.get(BE_SHORT, v + 4));
                    hook = Byte.toUnsignedInt(buf.get(ValueLayout.JAVA_BYTE, v + 6));
                }
                case NFQA_MARK -> mark = u32(buf, attr, v, vlen);
                case NFQA_IFINDEX_INDEV -> inIfindex = u32(buf, attr, v, vlen);
                case NFQA_IFINDEX_OUTDEV -> outIfindex = u32(buf, attr, v, vlen);
                case NFQA_CAP_LEN -> capLen = u32(buf, attr, v, vlen);
                case NFQA_SKB_INFO -> skbInfo = u32(buf, attr, v, vlen);
                case NFQA_CT_INFO -> ctInfo = u32(buf, attr, v, vlen);
                case NFQA_UID -> uid = u32(buf, attr, v, vlen);
                case NFQA_GID -> gid = u32(buf, attr, v, vlen);
                case NFQA_PAYLOAD -> {
                    payloadOffset = v;
                    payloadLength = vlen;
                }
                case NFQA_CT -> ctMark = nestedCtMark(buf, v, vlen);
                default -> { } // timestamps, hardware addresses, VLAN, L2 header: not used
            }
            pos += Math.min(NetlinkH.align(len), end - pos);
        }
        if (!sawHeader)
            throw new NetlinkFormatException("queue packet message without NFQA_PACKET_HDR");
        return this;
    }

    private static void need(int attr, int have, int need) {
        if (have < need) throw new NetlinkFormatException("attribute " + attr + " has " + have + " bytes, needs " + need);
    }

    private static int u32(MemorySegment buf, int attr, long v, int vlen) {
        need(attr, vlen, 4);
        return buf.get(BE_INT, v);
    }

    /** CTA_MARK from the nested conntrack attributes, or -1. */
    private static int nestedCtMark(MemorySegment buf, long start, int length) {
        long end = start + length, pos = start;
        while (end - pos >= NetlinkH.NLA_HDRLEN) {
            int len = Short.toUnsignedInt(buf.get(NATIVE_SHORT, pos));
            int attr = Short.toUnsignedInt(buf.get(NATIVE_SHORT, pos + 2)) & NetlinkH.NLA_TYPE_MASK;
            if (len < NetlinkH.NLA_HDRLEN || len > end - pos)
                throw new NetlinkFormatException("nla_len " + len + " of conntrack attribute " + attr + " is out of range");
            if (attr == CTA_MARK) return u32(buf, attr, pos + NetlinkH.NLA_HDRLEN, len - NetlinkH.NLA_HDRLEN);
            pos += Math.min(NetlinkH.align(len), end - pos);
        }
        return -1;
    }

    /** The queue number ({@code res_id}). */
    public int queue() { return queue; }

    /** The id the verdict must name. */
    public int packetId() { return packetId; }

    /** The link-layer protocol ({@code ETH_P_IP} 0x0800, {@code ETH_P_IPV6} 0x86DD). */
    public int hwProtocol() { return hwProtocol; }

    /** The netfilter hook ({@link NfqueueH#NF_INET_LOCAL_OUT} …). */
    public int hook() { return hook; }

    /** The packet mark ({@code skb->mark}), 0 when the kernel sent none. */
    public int mark() { return mark; }

    /** Input interface index, or -1 (locally generated packets have none). */
    public int inIfindex() { return inIfindex; }

    /** Output interface index, or -1 (packets for this host have none). */
    public int outIfindex() { return outIfindex; }

    /** The packet's full length when the copy was truncated, or -1 when the whole packet was copied. */
    public int capLen() { return capLen; }

    /** {@code NFQA_SKB_*} flags, 0 when absent. */
    public int skbInfo() { return skbInfo == -1 ? 0 : skbInfo; }

    public boolean isGso() { return (skbInfo() & NFQA_SKB_GSO) != 0; }

    /** Whether the transport checksum is only partially computed (offload), so it cannot be checked here. */
    public boolean checksumNotReady() { return (skbInfo() & NFQA_SKB_CSUMNOTREADY) != 0; }

    /** {@code enum ip_conntrack_info}, or -1 when the queue has no conntrack information. */
    public int ctInfo() { return ctInfo; }

    /** The connection's mark from {@code NFQA_CT}, or -1 when absent. */
    public int ctMark() { return ctMark; }

    /** The socket owner's uid and gid ({@code NFQA_CFG_F_UID_GID}), or -1. */
    public int uid() { return uid; }

    public int gid() { return gid; }

    /** Whether the message carried packet bytes ({@code NFQA_PAYLOAD}). */
    public boolean hasPayload() { return payloadLength >= 0; }

    public int payloadLength() { return Math.max(payloadLength, 0); }

    /** The packet bytes, in the receive buffer: valid until it is reused. Empty when there is no payload. */
    public MemorySegment payload() {
        return payloadLength < 0 ? MemorySegment.NULL.reinterpret(0) : segment.asSlice(payloadOffset, payloadLength);
    }

    /** The packet bytes as a big-endian buffer view (no copy); same lifetime as {@link #payload()}. */
    public ByteBuffer payloadBuffer() {
        return payload().asByteBuffer().order(ByteOrder.BIG_ENDIAN);
    }

    @Override
    public String toString() {
        return "NfqPacket{queue=" + queue + ", id=" + Integer.toUnsignedString(packetId) + ", hook=" + hook
                + ", proto=0x" + Integer.toHexString(hwProtocol) + ", mark=0x" + Integer.toHexString(mark)
                + ", in=" + inIfindex + ", out=" + outIfindex + ", len=" + payloadLength() + ", skbinfo=" + skbInfo()
                + ", ctinfo=" + ctInfo + "}";
    }
}
