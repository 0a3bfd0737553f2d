package dev.netext.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One parsed netlink message: the {@code struct nlmsghdr} fields and its payload (family header and attributes),
 * a read-only native-order buffer from position 0 to {@code nlmsg_len - NLMSG_HDRLEN}.
 */
public record NlMessage(int type, int flags, int seq, int pid, ByteBuffer payload) {

    public NlMessage {
        payload = payload.slice().order(ByteOrder.nativeOrder());
    }

    public boolean hasFlag(int flag) { return (flags & flag) != 0; }

    /** The payload's attributes after a family header of {@code headerSize} bytes (aligned). */
    public NlAttributes attributes(int headerSize) {
        int start = NetlinkH.align(headerSize);
        requirePayload(headerSize);
        if (start >= payload.limit()) return NlAttributes.parse(payload.slice(0, 0));
        return NlAttributes.parse(payload.slice(start, payload.limit() - start));
    }

    /** Throws {@link NetlinkFormatException} unless the payload holds at least {@code size} bytes. */
    public void requirePayload(int size) {
        if (payload.limit() < size)
            throw new NetlinkFormatException(RtnetlinkH.typeName(type) + ": payload of " + payload.limit()
                    + " bytes is shorter than its " + size + "-byte header");
    }

    /** The error or ACK this message carries, if it is {@code NLMSG_ERROR}. */
    public NlError error() {
        return NlError.parse(this);
    }

    @Override
    public String toString() {
        return RtnetlinkH.typeName(type) + "{flags=0x" + Integer.toHexString(flags) + ", seq=" + seq + ", pid="
                + Integer.toUnsignedString(pid) + ", " + payload.limit() + " bytes}";
    }
}
