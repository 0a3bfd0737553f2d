package dev.netext.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import static dev.netext.linux.netlink.NetlinkH.NLMSG_HDRLEN;
import static dev.netext.linux.netlink.NetlinkH.align;

/**
 * Walks the messages in a receive buffer as {@code NLMSG_OK}/{@code NLMSG_NEXT} do: one datagram may hold several
 * messages (a multi-part dump), each padded to 4 bytes. Each step moves forward by at least {@code NLMSG_HDRLEN}, so
 * it always ends; a header whose {@code nlmsg_len} is shorter than the header or runs past the buffer raises
 * {@link NetlinkFormatException}. Trailing bytes shorter than a header are ignored, as the kernel's macros do.
 */
public final class NlParser implements Iterator<NlMessage> {
    private final ByteBuffer buf;
    private int pos;

    /** Iterates over {@code buf} from its position to its limit; {@code buf} is not modified. */
    public NlParser(ByteBuffer buf) {
        this.buf = buf.slice().asReadOnlyBuffer().order(ByteOrder.nativeOrder());
    }

    /** All messages in {@code buf}. */
    public static List<NlMessage> parse(ByteBuffer buf) {
        List<NlMessage> out = new ArrayList<>();
        new NlParser(buf).forEachRemaining(out::add);
        return out;
    }

    @Override
    public boolean hasNext() {
        return buf.limit() - pos >= NLMSG_HDRLEN;
    }

    @Override
    public NlMessage next() {
        if (!hasNext()) throw new NoSuchElementException();
        int len = buf.getInt(pos);
        int remaining = buf.limit() - pos;
        if (len < NLMSG_HDRLEN || len > remaining)
            throw new NetlinkFormatException("nlmsg_len " + Integer.toUnsignedString(len) + " at offset " + pos
                    + " outside " + NLMSG_HDRLEN + ".." + remaining);
        int type = Short.toUnsignedInt(buf.getShort(pos + 4));
        int flags = Short.toUnsignedInt(buf.getShort(pos + 6));
        int seq = buf.getInt(pos + 8);
        int pid = buf.getInt(pos + 12);
        ByteBuffer payload = buf.slice(pos + NLMSG_HDRLEN, len - NLMSG_HDRLEN).order(ByteOrder.nativeOrder());
        pos += Math.min(align(len), remaining);
        return new NlMessage(type, flags, seq, pid, payload);
    }
}
