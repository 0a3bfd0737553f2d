package dev.netext.flow.engine;

import dev.netext.wire.Checksum;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A TCP reset (RFC 9293 §3.10.7.4) from the client to the server of a flow dropped on the fast path after some of its
 * opening bytes reached the server (held segments are let through while a ClientHello still needs more): the server
 * closes its side at once instead of waiting for the rest. {@code seq} is the next byte the server expects, which an
 * RFC 5961 receiver accepts as a reset without a challenge ACK.
 */
final class TcpReset {
    static final int TCP_HEADER = 20, PROTO_TCP = 6, FLAG_RST = 0x04;

    private TcpReset() {}

    /** The whole IP packet: client → server, RST with sequence number {@code seq}. */
    static byte[] packet(InetSocketAddress client, InetSocketAddress server, int seq) {
        boolean v4 = server.getAddress() instanceof Inet4Address;
        int ipHeader = v4 ? PortUnreachable.IPV4_HEADER : PortUnreachable.IPV6_HEADER;
        ByteBuffer b = ByteBuffer.allocate(ipHeader + TCP_HEADER);
        byte[] from = client.getAddress().getAddress(), to = server.getAddress().getAddress();
        if (v4) PortUnreachable.ipv4Header(b, from, to, PROTO_TCP, TCP_HEADER);
        else PortUnreachable.ipv6Header(b, from, to, PROTO_TCP, TCP_HEADER);
        int tcp = b.position();
        b.putShort((short) client.getPort()).putShort((short) server.getPort()).putInt(seq).putInt(0)
                .putShort((short) ((TCP_HEADER / 4) << 12 | FLAG_RST)).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0);
        byte[] out = b.array();
        int checksum = Checksum.finish(Checksum.add(Checksum.sum(out, tcp, TCP_HEADER),
                Checksum.pseudoHeaderSum(from, to, PROTO_TCP, TCP_HEADER)));
        out[tcp + 16] = (byte) (checksum >>> 8);
        out[tcp + 17] = (byte) checksum;
        return out;
    }
}
