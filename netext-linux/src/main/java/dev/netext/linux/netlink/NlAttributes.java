package dev.netext.linux.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static dev.netext.linux.netlink.NetlinkH.NLA_HDRLEN;
import static dev.netext.linux.netlink.NetlinkH.NLA_TYPE_MASK;
import static dev.netext.linux.netlink.NetlinkH.align;

/**
 * The {@code struct nlattr} list of one message or nested attribute, parsed eagerly so that a bad {@code nla_len}
 * raises {@link NetlinkFormatException} at once. Types are given with {@code NLA_F_NESTED} and
 * {@code NLA_F_NET_BYTEORDER} masked off. Lookups return the first attribute of a type.
 */
public final class NlAttributes {
    /** One attribute: its type (masked) and value, a read-only native-order buffer. */
    public record Attr(int type, ByteBuffer value) {}

    private final List<Attr> attrs;

    private NlAttributes(List<Attr> attrs) {
        this.attrs = attrs;
    }

    /** Parses the attributes in {@code region} from position 0 to its limit. */
    public static NlAttributes parse(ByteBuffer region) {
        ByteBuffer b = region.slice().order(ByteOrder.nativeOrder());
        List<Attr> out = new ArrayList<>();
        int pos = 0;
        while (b.limit() - pos >= NLA_HDRLEN) {
            int len = Short.toUnsignedInt(b.getShort(pos));
            int type = Short.toUnsignedInt(b.getShort(pos + 2)) & NLA_TYPE_MASK;
            if (len < NLA_HDRLEN || len > b.limit() - pos)
                throw new NetlinkFormatException("nla_len " + len + " of attribute " + type + " at offset " + pos
                        + " outside " + NLA_HDRLEN + ".." + (b.limit() - pos));
            out.add(new Attr(type, b.slice(pos + NLA_HDRLEN, len - NLA_HDRLEN).order(ByteOrder.nativeOrder())
                    .asReadOnlyBuffer().order(ByteOrder.nativeOrder())));
            pos += Math.min(align(len), b.limit() - pos);
        }
        return new NlAttributes(Collections.unmodifiableList(out));
    }

    public List<Attr> all() { return attrs; }

    public boolean has(int type) { return find(type) != null; }

    /** The value of the first attribute of {@code type}, or null. */
    public ByteBuffer find(int type) {
        for (Attr a : attrs) if (a.type == type) return a.value.duplicate().order(ByteOrder.nativeOrder());
        return null;
    }

    private ByteBuffer sized(int type, int size) {
        ByteBuffer v = find(type);
        if (v == null) return null;
        if (v.remaining() < size)
            throw new NetlinkFormatException("attribute " + type + " has " + v.remaining() + " bytes, needs " + size);
        return v;
    }

    public int u8(int type, int absent) {
        ByteBuffer v = sized(type, 1);
        return v == null ? absent : Byte.toUnsignedInt(v.get(0));
    }

    public int u16(int type, int absent) {
        ByteBuffer v = sized(type, 2);
        return v == null ? absent : Short.toUnsignedInt(v.getShort(0));
    }

    /** A {@code __u32} (returned as its bit pattern in an int), or {@code absent}. */
    public int u32(int type, int absent) {
        ByteBuffer v = sized(type, 4);
        return v == null ? absent : v.getInt(0);
    }

    /** A string attribute up to its first NUL (or its end), or null. */
    public String string(int type) {
        ByteBuffer v = find(type);
        if (v == null) return null;
        byte[] b = new byte[v.remaining()];
        v.get(b);
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** An address attribute of exactly 4 or 16 bytes, or null when absent. */
    public InetAddress address(int type) {
        ByteBuffer v = find(type);
        if (v == null) return null;
        int n = v.remaining();
        if (n != 4 && n != 16)
            throw new NetlinkFormatException("address attribute " + type + " has " + n + " bytes, not 4 or 16");
        byte[] b = new byte[n];
        v.get(b);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // length checked above
        }
    }

    /** The attributes nested in attribute {@code type}, or null when absent. */
    public NlAttributes nested(int type) {
        ByteBuffer v = find(type);
        return v == null ? null : parse(v);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (Attr a : attrs) sb.append(sb.length() > 1 ? ", " : "").append(a.type).append(':').append(a.value.remaining());
        return sb.append(']').toString();
    }
}
