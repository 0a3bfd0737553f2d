package dev.netext.linux.tun;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/** Just enough IPv4/ICMP/UDP to craft and check test packets. */
final class Packets {
    private Packets() {}

    static int checksum(ByteBuffer b, int offset, int length, long initial) {
        long sum = initial;
        for (int i = 0; i + 1 < length; i += 2) sum += ((b.get(offset + i) & 0xff) << 8) | (b.get(offset + i + 1) & 0xff);
        if ((length & 1) != 0) sum += (b.get(offset + length - 1) & 0xff) << 8;
        while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (int) (~sum & 0xffff);
    }

    static boolean isIcmpEchoRequest(ByteBuffer p, InetAddress dst) {
        return p.remaining() >= 28 && (p.get(0) & 0xf0) == 0x40 && p.get(9) == 1 && p.get(ihl(p)) == 8 && dst(p).equals(dst);
    }

    static int ihl(ByteBuffer p) {
        return (p.get(0) & 0x0f) * 4;
    }

    static InetAddress src(ByteBuffer p) {
        return addr(p, 12);
    }

    static InetAddress dst(ByteBuffer p) {
        return addr(p, 16);
    }

    private static InetAddress addr(ByteBuffer p, int off) {
        byte[] a = new byte[4];
        p.get(off, a);
        try {
            return InetAddress.getByAddress(a);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Turns an ICMP echo request in place into the matching echo reply. */
    static void toEchoReply(ByteBuffer p) {
        int len = p.limit();
        byte[] src = new byte[4], dst = new byte[4];
        p.get(12, src).get(16, dst);
        p.put(12, dst).put(16, src);
        p.put(8, (byte) 64);
        p.putShort(10, (short) 0);
        p.putShort(10, (short) checksum(p, 0, ihl(p), 0));
        int icmp = ihl(p);
        p.put(icmp, (byte) 0);
        p.putShort(icmp + 2, (short) 0);
        p.putShort(icmp + 2, (short) checksum(p, icmp, len - icmp, 0));
    }

    /** An IPv4 UDP datagram with a correct header checksum and UDP checksum. */
    static ByteBuffer udp(InetAddress src, int srcPort, InetAddress dst, int dstPort, byte[] payload) {
        int len = 20 + 8 + payload.length;
        ByteBuffer p = ByteBuffer.allocate(len);
        p.put((byte) 0x45).put((byte) 0).putShort((short) len).putShort((short) 0x1234).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0).put(src.getAddress()).put(dst.getAddress());
        p.putShort(10, (short) checksum(p, 0, 20, 0));
        p.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (8 + payload.length)).putShort((short) 0).put(payload);
        long pseudo = 0;
        for (int i = 12; i < 20; i += 2) pseudo += ((p.get(i) & 0xff) << 8) | (p.get(i + 1) & 0xff);
        pseudo += 17 + 8 + payload.length;
        int c = checksum(p, 20, 8 + payload.length, pseudo);
        p.putShort(26, (short) (c == 0 ? 0xffff : c));
        return p.flip();
    }
}
