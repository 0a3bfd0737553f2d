package dev.netext.wireguard;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The IP packet inside a transport message: the length its header claims, and the padding it is sealed with. */
final class InnerPacket {
    private InnerPacket() {}

    /** The length an IP packet's header claims, or -1 if it is neither a sane IPv4 nor IPv6 header. */
    static int length(ByteBuffer p) {
        int len = p.remaining();
        if (len < 1) return -1;
        int version = (p.get(0) & 0xff) >>> 4;
        if (version == 4 && len >= 20) {
            int total = p.order(ByteOrder.BIG_ENDIAN).getShort(2) & 0xffff;
            return total >= 20 ? total : -1;
        }
        if (version == 6 && len >= 40) return 40 + (p.order(ByteOrder.BIG_ENDIAN).getShort(4) & 0xffff);
        return -1;
    }

    /** Zero padding that brings a packet to a multiple of 16 without exceeding the MTU (whitepaper 5.4.6). */
    static int paddingSize(int packetSize, int mtu) {
        int lastUnit = packetSize;
        if (mtu == 0) return ((lastUnit + Constants.PADDING_MULTIPLE - 1) & -Constants.PADDING_MULTIPLE) - lastUnit;
        if (lastUnit > mtu) lastUnit %= mtu;
        int paddedSize = (lastUnit + Constants.PADDING_MULTIPLE - 1) & -Constants.PADDING_MULTIPLE;
        if (paddedSize > mtu) paddedSize = mtu;
        return paddedSize - lastUnit;
    }
}
