package dev.netext.linux.nflog;

import dev.netext.linux.netlink.NetlinkFormatException;
import dev.netext.linux.netlink.NlAttributes;
import dev.netext.linux.netlink.NlMessage;
import dev.netext.linux.nfqueue.NfnetlinkH;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.netext.linux.nflog.NflogH.*;

/**
 * One packet nfnetlink_log delivered ({@code NFULNL_MSG_PACKET}), parsed and copied out of the receive buffer.
 *
 * @param group       the log group (nfgenmsg res_id)
 * @param family      the packet's protocol family (nfgenmsg nfgen_family: 2 IPv4, 10 IPv6)
 * @param hook        the netfilter hook it was logged at ({@code NF_INET_PRE_ROUTING} 0 … {@code POST_ROUTING} 4)
 * @param mark        the packet mark, 0 when the kernel sent none
 * @param epochNanos  when the packet was seen ({@code NFULA_TIMESTAMP}), or -1 when the kernel had no stamp
 *                    (locally generated packets before the stack stamped them)
 * @param payload     the network-layer packet, up to the copy range
 * @param inIfindex   the input interface, 0 when none
 * @param outIfindex  the output interface, 0 when none
 */
public record NflogPacket(int group, int family, int hook, int mark, long epochNanos, byte[] payload, int inIfindex,
                          int outIfindex) {

    /**
     * Parses one message; {@link NetlinkFormatException} for anything malformed (short header, bad attribute lengths,
     * short fixed-size attributes, no payload), never another exception.
     */
    public static NflogPacket parse(NlMessage m) {
        if (m.type() != PACKET_TYPE) throw new NetlinkFormatException("not an nflog packet: type 0x" + Integer.toHexString(m.type()));
        ByteBuffer p = m.payload();
        if (p.remaining() < NfnetlinkH.NFGENMSG_LEN)
            throw new NetlinkFormatException("nflog packet of " + p.remaining() + " bytes has no nfgenmsg");
        int family = Byte.toUnsignedInt(p.get(p.position()));
        int group = Short.toUnsignedInt(p.duplicate().order(ByteOrder.BIG_ENDIAN).getShort(p.position() + 2));
        NlAttributes a = NlAttributes.parse(p.slice(p.position() + NfnetlinkH.NFGENMSG_LEN, p.remaining() - NfnetlinkH.NFGENMSG_LEN));
        ByteBuffer hdr = sized(a, NFULA_PACKET_HDR, PACKET_HDR_LEN);
        int hook = hdr == null ? -1 : Byte.toUnsignedInt(hdr.get(hdr.position() + 2));
        ByteBuffer payload = a.find(NFULA_PAYLOAD);
        if (payload == null) throw new NetlinkFormatException("nflog packet without NFULA_PAYLOAD (copy mode not packet?)");
        byte[] data = new byte[payload.remaining()];
        payload.get(payload.position(), data);
        long epochNanos = -1;
        ByteBuffer ts = sized(a, NFULA_TIMESTAMP, TIMESTAMP_LEN);
        if (ts != null) {
            ts.order(ByteOrder.BIG_ENDIAN);
            long sec = ts.getLong(ts.position()), usec = ts.getLong(ts.position() + 8);
            if (sec < 0 || usec < 0 || usec >= 1_000_000 || sec > Long.MAX_VALUE / 1_000_000_000L - 1)
                throw new NetlinkFormatException("nflog timestamp " + sec + " s " + usec + " us out of range");
            epochNanos = sec * 1_000_000_000L + usec * 1_000L;
        }
        return new NflogPacket(group, family, hook, be32(a, NFULA_MARK), epochNanos, data, be32(a, NFULA_IFINDEX_INDEV),
                be32(a, NFULA_IFINDEX_OUTDEV));
    }

    private static int be32(NlAttributes a, int type) {
        ByteBuffer v = sized(a, type, 4);
        return v == null ? 0 : v.order(ByteOrder.BIG_ENDIAN).getInt(v.position());
    }

    private static ByteBuffer sized(NlAttributes a, int type, int size) {
        ByteBuffer v = a.find(type);
        if (v != null && v.remaining() < size)
            throw new NetlinkFormatException("nflog attribute " + type + " has " + v.remaining() + " bytes, needs " + size);
        return v;
    }
}
