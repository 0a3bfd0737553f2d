package dev.netext.packetfilter;

import dev.netext.api.flow.Direction;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.LinuxException;
import dev.netext.linux.diag.ProcessAttributor;
import dev.netext.wire.IpPacket;
import dev.netext.wire.IpProtocol;
import dev.netext.wire.Ipv4Packet;
import dev.netext.wire.Ipv6Packet;
import dev.netext.wire.TcpPacket;
import dev.netext.wire.UdpPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Attributes a queued TCP or UDP packet to its local socket's process through sock_diag + /proc
 * ({@link ProcessAttributor}), once per flow: the answer is cached by flow id (bounded, least recently used first
 * out), so a flow's later packets cost a map lookup. ICMP and other protocols have no socket tuple: unknown.
 */
public final class SockDiagProcessResolver implements PacketProcessResolver, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SockDiagProcessResolver.class);
    static final int CACHE_FLOWS = 4096;

    private final ProcessAttributor attributor;
    private final Ipv4Packet v4 = new Ipv4Packet();
    private final Ipv6Packet v6 = new Ipv6Packet();
    private final TcpPacket tcp = new TcpPacket();
    private final UdpPacket udp = new UdpPacket();
    private final Map<Long, ProcessInfo> byFlow = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, ProcessInfo> eldest) { return size() > CACHE_FLOWS; }
    };

    public SockDiagProcessResolver(ProcessAttributor attributor) {
        this.attributor = attributor;
    }

    public static SockDiagProcessResolver open() throws LinuxException {
        return new SockDiagProcessResolver(ProcessAttributor.open());
    }

    @Override
    public synchronized ProcessInfo resolve(ByteBuffer packet, Direction direction, long flowId) {
        if (flowId > 0) {
            ProcessInfo cached = byFlow.get(flowId);
            if (cached != null) return cached;
        }
        ProcessInfo info = lookup(packet, direction);
        // an unknown answer is cached too: a flow whose socket could not be found will not be found on every packet
        if (flowId > 0) byFlow.put(flowId, info);
        return info;
    }

    private ProcessInfo lookup(ByteBuffer packet, Direction direction) {
        int off = packet.position(), len = packet.remaining();
        IpPacket ip;
        if (v4.tryWrap(packet, off, len)) ip = v4;
        else if (v6.tryWrap(packet, off, len)) ip = v6;
        else return ProcessInfo.UNKNOWN;
        TransportProtocol protocol;
        int srcPort, dstPort;
        int proto = ip.upperLayerProtocol();
        if (proto == IpProtocol.TCP && tcp.tryWrap(packet, ip.upperLayerOffset(), ip.upperLayerLength())) {
            protocol = TransportProtocol.TCP;
            srcPort = tcp.sourcePort();
            dstPort = tcp.destinationPort();
        } else if (proto == IpProtocol.UDP && udp.tryWrap(packet, ip.upperLayerOffset(), ip.upperLayerLength())) {
            protocol = TransportProtocol.UDP;
            srcPort = udp.sourcePort();
            dstPort = udp.destinationPort();
        } else {
            return ProcessInfo.UNKNOWN;
        }
        try {
            int addrLen = ip == v4 ? 4 : 16;
            InetSocketAddress src = new InetSocketAddress(address(packet, ip.sourceAddressOffset(), addrLen), srcPort);
            InetSocketAddress dst = new InetSocketAddress(address(packet, ip.destinationAddressOffset(), addrLen), dstPort);
            return direction == Direction.OUTBOUND
                    ? attributor.attribute(protocol, src, dst)
                    : attributor.attribute(protocol, dst, src);
        } catch (LinuxException | UnknownHostException e) {
            log.debug("process attribution failed: {}", e.getMessage());
            return ProcessInfo.UNKNOWN;
        }
    }

    private static InetAddress address(ByteBuffer packet, int offset, int length) throws UnknownHostException {
        byte[] a = new byte[length];
        packet.get(offset, a);
        return InetAddress.getByAddress(a);
    }

    @Override
    public void close() {
        attributor.close();
    }
}
