package dev.netext.flow.engine;

import dev.netext.wire.Checksum;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The ICMP error a closed UDP port would make the kernel send, built for a dropped UDP flow ({@code DropMode.RESET}):
 * from the original destination to the client, ICMP destination unreachable / port unreachable (RFC 792 type 3 code 3)
 * or ICMPv6 destination unreachable / port unreachable (RFC 4443 §3.1, type 1 code 4), quoting the client's datagram
 * as it was sent: its IP header, UDP header and the first {@link #QUOTED_PAYLOAD} payload bytes. The client's kernel
 * matches the quote to its socket ({@code __udp4_lib_err}, {@code __udp6_lib_err}), so a connected socket fails with
 * ECONNREFUSED at once, as against a closed port.
 */
final class PortUnreachable {
    static final int QUOTED_PAYLOAD = 64;
    static final int IPV4_HEADER = 20, IPV6_HEADER = 40, UDP_HEADER = 8, ICMP_HEADER = 8;
    static final int ICMP_DEST_UNREACH = 3, ICMP_PORT_UNREACH = 3, ICMPV6_DEST_UNREACH = 1, ICMPV6_PORT_UNREACH = 4;
    static final int PROTO_ICMP = 1, PROTO_UDP = 17, PROTO_ICMPV6 = 58, TTL = 64;

    private PortUnreachable() {}

    /** The whole IP packet (outer header included) for a datagram of {@code payload} from client to original. */
    static byte[] packet(InetSocketAddress client, InetSocketAddress original, ByteBuffer payload) {
        int quoted = Math.min(payload.remaining(), QUOTED_PAYLOAD);
        boolean v4 = original.getAddress() instanceof Inet4Address;
        int ipHeader = v4 ? IPV4_HEADER : IPV6_HEADER;
        int icmpLength = ICMP_HEADER + ipHeader + UDP_HEADER + quoted;
        ByteBuffer b = ByteBuffer.allocate(ipHeader + icmpLength);
        byte[] from = original.getAddress().getAddress(), to = client.getAddress().getAddress();
        // outer header: original destination → client
        if (v4) ipv4Header(b, from, to, PROTO_ICMP, icmpLength);
        else ipv6Header(b, from, to, PROTO_ICMPV6, icmpLength);
        int icmp = b.position();
        b.put((byte) (v4 ? ICMP_DEST_UNREACH : ICMPV6_DEST_UNREACH)).put((byte) (v4 ? ICMP_PORT_UNREACH : ICMPV6_PORT_UNREACH))
                .putShort((short) 0).putInt(0); // checksum (below), unused
        // the quote: the client's datagram as it left the client
        int udpLength = UDP_HEADER + payload.remaining();
        if (v4) ipv4Header(b, to, from, PROTO_UDP, udpLength);
        else ipv6Header(b, to, from, PROTO_UDP, udpLength);
        b.putShort((short) client.getPort()).putShort((short) original.getPort()).putShort((short) udpLength).putShort((short) 0);
        b.put(payload.duplicate().limit(payload.position() + quoted));
        byte[] out = b.array();
        int sum = Checksum.sum(out, icmp, icmpLength);
        // ICMPv6 covers the pseudo-header (RFC 4443 §2.3): addresses, length, next header
        if (!v4) sum = Checksum.add(sum, Checksum.pseudoHeaderSum(from, to, PROTO_ICMPV6, icmpLength));
        int checksum = Checksum.finish(sum);
        out[icmp + 2] = (byte) (checksum >>> 8);
        out[icmp + 3] = (byte) checksum;
        return out;
    }

    static void ipv4Header(ByteBuffer b, byte[] src, byte[] dst, int protocol, int payloadLength) {
        int start = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) (IPV4_HEADER + payloadLength)).putInt(0)
                .put((byte) TTL).put((byte) protocol).putShort((short) 0).put(src).put(dst);
        int checksum = Checksum.finish(Checksum.sum(b.array(), start, IPV4_HEADER));
        b.putShort(start + 10, (short) checksum);
    }

    static void ipv6Header(ByteBuffer b, byte[] src, byte[] dst, int nextHeader, int payloadLength) {
        b.putInt(0x6000_0000).putShort((short) payloadLength).put((byte) nextHeader).put((byte) TTL).put(src).put(dst);
    }
}
