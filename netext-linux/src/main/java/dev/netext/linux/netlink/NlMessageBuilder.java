package dev.netext.linux.netlink;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static dev.netext.linux.netlink.NetlinkH.NLA_F_NESTED;
import static dev.netext.linux.netlink.NetlinkH.NLA_HDRLEN;
import static dev.netext.linux.netlink.NetlinkH.NLMSG_HDRLEN;
import static dev.netext.linux.netlink.NetlinkH.align;

/**
 * Builds one netlink message in native byte order: the {@code struct nlmsghdr} (filled in by {@link #build}), the
 * family header written field by field, then {@code struct nlattr} attributes, each padded to {@code NLA_ALIGNTO}.
 * Nested attributes are bracketed by {@link #beginNested} and {@link #endNested}. Not thread-safe.
 */
public final class NlMessageBuilder {
    private final int type;
    private final int flags;
    private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());

    public NlMessageBuilder(int type, int flags) {
        this.type = type;
        this.flags = flags;
        buf.position(NLMSG_HDRLEN);
    }

    public int type() { return type; }

    public int flags() { return flags; }

    private void ensure(int more) {
        if (buf.remaining() >= more) return;
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + more))
                .order(ByteOrder.nativeOrder());
        buf.flip();
        bigger.put(buf);
        buf = bigger;
    }

    // family header fields

    public NlMessageBuilder u8(int v) { ensure(1); buf.put((byte) v); return this; }

    public NlMessageBuilder u16(int v) { ensure(2); buf.putShort((short) v); return this; }

    public NlMessageBuilder u32(int v) { ensure(4); buf.putInt(v); return this; }

    public NlMessageBuilder bytes(byte[] v) { ensure(v.length); buf.put(v); return this; }

    /** Pads with zeros to the next 4-byte boundary. */
    public NlMessageBuilder align4() {
        int pad = align(buf.position()) - buf.position();
        ensure(pad);
        for (int i = 0; i < pad; i++) buf.put((byte) 0);
        return this;
    }

    // attributes

    public NlMessageBuilder attr(int attrType, byte[] value) {
        align4();
        int len = NLA_HDRLEN + value.length;
        if (len > 0xFFFF) throw new IllegalArgumentException("attribute " + attrType + " too long: " + value.length);
        ensure(align(len));
        buf.putShort((short) len).putShort((short) attrType).put(value);
        return align4();
    }

    public NlMessageBuilder attrU8(int attrType, int v) { return attr(attrType, new byte[] {(byte) v}); }

    public NlMessageBuilder attrU16(int attrType, int v) {
        return attr(attrType, ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort((short) v).array());
    }

    public NlMessageBuilder attrU32(int attrType, int v) {
        return attr(attrType, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array());
    }

    /** A NUL-terminated string attribute ({@code NLA_NUL_STRING}/{@code NLA_STRING}, as iproute2 sends names). */
    public NlMessageBuilder attrString(int attrType, String v) {
        byte[] s = v.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[s.length + 1];
        System.arraycopy(s, 0, z, 0, s.length);
        return attr(attrType, z);
    }

    /** An address attribute: 4 or 16 bytes in network order. */
    public NlMessageBuilder attrAddress(int attrType, InetAddress a) { return attr(attrType, a.getAddress()); }

    /** Opens a nested attribute ({@code NLA_F_NESTED} set); returns the token for {@link #endNested}. */
    public int beginNested(int attrType) {
        align4();
        ensure(NLA_HDRLEN);
        int start = buf.position();
        buf.putShort((short) 0).putShort((short) (attrType | NLA_F_NESTED));
        return start;
    }

    public NlMessageBuilder endNested(int start) {
        align4();
        int len = buf.position() - start;
        if (len > 0xFFFF) throw new IllegalArgumentException("nested attribute too long: " + len);
        buf.putShort(start, (short) len);
        return this;
    }

    /** The finished message, header filled in, positioned at 0 with limit at {@code nlmsg_len}. */
    public ByteBuffer build(int seq, int pid) {
        align4();
        int len = buf.position();
        ByteBuffer out = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
        out.put(buf.duplicate().flip());
        out.putInt(0, len).putShort(4, (short) type).putShort(6, (short) flags).putInt(8, seq).putInt(12, pid);
        return out.clear();
    }
}
