package dev.netext.flow.inbound;

import dev.netext.api.flow.TransportProtocol;
import dev.netext.wire.IpPacket;
import dev.netext.wire.IpProtocol;
import dev.netext.wire.Ipv4Packet;
import dev.netext.wire.Ipv6Packet;
import dev.netext.wire.MalformedPacketException;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * What the first packet of an inbound connection says: its protocol, the peer that sent it and the local service it
 * is for. Read once per queued packet, off the hot path (only a connection's first packets are queued).
 *
 * @param protocol TCP or UDP
 * @param peer     the packet's source: the remote host's address and port
 * @param service  the packet's destination: the local address and the service's port
 */
record InboundPacket(TransportProtocol protocol, InetSocketAddress peer, InetSocketAddress service) {

    /** The tuple of {@code packet} (an IPv4 or IPv6 packet from its first byte); null for anything but unfragmented TCP or UDP. */
    static InboundPacket parse(ByteBuffer packet) {
        int at = packet.position(), n = packet.remaining();
        if (n < 1) return null;
        IpPacket ip;
        try {
            ip = switch ((packet.get(at) >>> 4) & 0xF) {
                case 4 -> Ipv4Packet.of(packet, at, n);
                case 6 -> Ipv6Packet.of(packet, at, n);
                default -> null;
            };
        } catch (MalformedPacketException e) {
            return null;
        }
        if (ip == null || ip.isFragment()) return null;
        int proto = ip.upperLayerProtocol();
        if ((proto != IpProtocol.TCP && proto != IpProtocol.UDP) || ip.upperLayerLength() < 4) return null;
        int ports = ip.upperLayerOffset();
        int sport = packet.getShort(ports) & 0xFFFF, dport = packet.getShort(ports + 2) & 0xFFFF;
        return new InboundPacket(proto == IpProtocol.TCP ? TransportProtocol.TCP : TransportProtocol.UDP,
                new InetSocketAddress(ip.sourceInetAddress(), sport),
                new InetSocketAddress(ip.destinationInetAddress(), dport));
    }
}
