package dev.netext.wire.edit;

import dev.netext.wire.IcmpV4Packet;
import dev.netext.wire.IcmpV6Packet;
import dev.netext.wire.IpPacket;
import dev.netext.wire.IpProtocol;
import dev.netext.wire.Ipv4Packet;
import dev.netext.wire.Ipv6Packet;
import dev.netext.wire.MalformedPacketException;
import dev.netext.wire.TcpPacket;
import dev.netext.wire.UdpPacket;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * Rewrites fields of one whole IP packet in place, over the wire views, and leaves every checksum right: edit
 * addresses, ports, TTL/hop limit, DSCP and transport payload bytes, then {@link #finish()} recomputes the IPv4 header
 * checksum and the TCP, UDP or ICMP checksum (with the IPv4 or IPv6 pseudo-header). Reusable and allocation-free:
 * {@link #edit} a new packet into the same editor.
 *
 * <p><b>Same length only.</b> Every edit keeps the packet's length. On the packet path that is the only safe kind of
 * TCP payload edit: a longer or shorter segment shifts every later sequence number, which only a proxy that
 * terminates the connection can reconcile. Edits that change lengths (inserting a header, rewriting a body) belong to
 * the flow layer ({@code FilterDataProvider} / proxy providers), which sees the byte stream, not packets.
 *
 * <p>Checksums are always recomputed in full, never updated incrementally: a locally sent packet queued before
 * checksum offload has only the pseudo-header sum in its checksum field, so an incremental update would be wrong.
 * Fragments are refused for transport edits (their transport checksum spans other packets).
 */
public final class PacketEditor {
    private final Ipv4Packet v4 = new Ipv4Packet();
    private final Ipv6Packet v6 = new Ipv6Packet();
    private final UdpPacket udp = new UdpPacket();
    private final TcpPacket tcp = new TcpPacket();
    private final IcmpV4Packet icmp4 = new IcmpV4Packet();
    private final IcmpV6Packet icmp6 = new IcmpV6Packet();
    private IpPacket ip;
    /** The transport view in use: udp, tcp, an ICMP view, or null (other protocol, or a fragment). */
    private Object transport;

    /**
     * Starts editing the packet from {@code packet}'s position to its limit (a writable buffer).
     *
     * @throws MalformedPacketException if it is not a valid IPv4/IPv6 packet (a malformed transport header is not
     *                                  an error: transport edits then fail, IP edits still work)
     */
    public PacketEditor edit(ByteBuffer packet) throws MalformedPacketException {
        if (packet.isReadOnly()) throw new IllegalArgumentException("the packet buffer is read-only; copy it first");
        int off = packet.position(), len = packet.remaining();
        if (len < 1) throw new MalformedPacketException("empty packet");
        int version = (packet.get(off) >>> 4) & 0xF;
        if (version == 4) {
            v4.wrap(packet, off, len).check();
            ip = v4;
        } else if (version == 6) {
            v6.wrap(packet, off, len).check();
            ip = v6;
        } else {
            throw new MalformedPacketException("IP version " + version + " is neither 4 nor 6");
        }
        transport = null;
        if (ip.isFragment()) return this;
        switch (ip.upperLayerProtocol()) {
            case IpProtocol.UDP -> { if (udp.tryWrap(ip)) transport = udp; }
            case IpProtocol.TCP -> { if (tcp.tryWrap(ip)) transport = tcp; }
            case IpProtocol.ICMP -> { if (ip == v4 && icmp4.tryWrap(v4)) transport = icmp4; }
            case IpProtocol.ICMPV6 -> { if (ip == v6 && icmp6.tryWrap(v6)) transport = icmp6; }
            default -> { }
        }
        return this;
    }

    /** 4 or 6. */
    public int version() { return ip().version(); }

    /** The transport protocol number (IPv6: after extension headers). */
    public int protocol() { return ip().upperLayerProtocol(); }

    public boolean isTcp() { return transport == tcp; }

    public boolean isUdp() { return transport == udp; }

    public PacketEditor setSourceAddress(InetAddress address) {
        writeAddress(ip().sourceAddressOffset(), address);
        return this;
    }

    public PacketEditor setDestinationAddress(InetAddress address) {
        writeAddress(ip().destinationAddressOffset(), address);
        return this;
    }

    private void writeAddress(int at, InetAddress address) {
        boolean v4addr = address instanceof Inet4Address;
        if ((ip == v4) != v4addr || (ip == v6) != (address instanceof Inet6Address))
            throw new IllegalArgumentException(address + " is not an IPv" + version() + " address");
        ip.buffer().put(at, address.getAddress());
    }

    /** Sets the IPv4 TTL or the IPv6 hop limit. */
    public PacketEditor setHopLimit(int hopLimit) {
        if (hopLimit < 0 || hopLimit > 255) throw new IllegalArgumentException("hop limit " + hopLimit + " outside 0..255");
        ip().setHopLimit(hopLimit);
        return this;
    }

    /** Sets the DSCP (RFC 2474), keeping ECN. */
    public PacketEditor setDscp(int dscp) {
        if (dscp < 0 || dscp > 63) throw new IllegalArgumentException("DSCP " + dscp + " outside 0..63");
        if (ip() == v4) v4.setDscp(dscp);
        else v6.setDscp(dscp);
        return this;
    }

    public int sourcePort() { return ports().sourcePort; }

    public int destinationPort() { return ports().destinationPort; }

    public PacketEditor setSourcePort(int port) {
        checkPort(port);
        if (transport == tcp) tcp.setSourcePort(port);
        else if (transport == udp) udp.setSourcePort(port);
        else throw noPorts();
        return this;
    }

    public PacketEditor setDestinationPort(int port) {
        checkPort(port);
        if (transport == tcp) tcp.setDestinationPort(port);
        else if (transport == udp) udp.setDestinationPort(port);
        else throw noPorts();
        return this;
    }

    private record Ports(int sourcePort, int destinationPort) {}

    private Ports ports() {
        if (transport == tcp) return new Ports(tcp.sourcePort(), tcp.destinationPort());
        if (transport == udp) return new Ports(udp.sourcePort(), udp.destinationPort());
        throw noPorts();
    }

    private static void checkPort(int port) {
        if (port < 0 || port > 0xFFFF) throw new IllegalArgumentException("port " + port + " outside 0..65535");
    }

    private IllegalStateException noPorts() {
        return new IllegalStateException("not an unfragmented TCP or UDP packet (protocol " + protocol() + ")");
    }

    /** Absolute index of the TCP/UDP payload in the buffer. */
    public int payloadOffset() {
        if (transport == tcp) return tcp.payloadOffset();
        if (transport == udp) return udp.payloadOffset();
        throw noPorts();
    }

    public int payloadLength() {
        if (transport == tcp) return tcp.payloadLength();
        if (transport == udp) return udp.payloadLength();
        throw noPorts();
    }

    /** A writable view of the TCP/UDP payload (no copy): edit it in place, then {@link #finish()}. */
    public ByteBuffer payload() {
        return ip().buffer().slice(payloadOffset(), payloadLength());
    }

    /** Overwrites payload bytes at {@code at} (relative to the payload start) with {@code bytes}: same length. */
    public PacketEditor writePayload(int at, byte[] bytes) {
        int n = payloadLength();
        if (at < 0 || at > n || bytes.length > n - at)
            throw new IndexOutOfBoundsException(bytes.length + " bytes at " + at + " do not fit a payload of " + n);
        ip().buffer().put(payloadOffset() + at, bytes);
        return this;
    }

    /**
     * Replaces every occurrence of {@code find} in the payload with {@code replacement} of the same length; returns
     * how many were replaced. Occurrences do not overlap.
     */
    public int replaceInPayload(byte[] find, byte[] replacement) {
        if (find.length != replacement.length)
            throw new IllegalArgumentException("replacement is " + replacement.length + " bytes, not " + find.length
                    + ": the packet path only takes same-length edits (change lengths at the flow layer)");
        if (find.length == 0) return 0;
        ByteBuffer b = ip().buffer();
        int start = payloadOffset(), end = start + payloadLength() - find.length;
        int count = 0;
        outer:
        for (int i = start; i <= end; i++) {
            for (int k = 0; k < find.length; k++) if (b.get(i + k) != find[k]) continue outer;
            b.put(i, replacement);
            count++;
            i += find.length - 1;
        }
        return count;
    }

    /** Recomputes the IPv4 header checksum and the transport checksum. Call once after the edits. */
    public void finish() {
        IpPacket p = ip();
        if (p == v4) v4.fillChecksum();
        if (transport == udp) {
            // Over IPv4 a UDP checksum of 0 means "none" (RFC 768); keep that choice rather than add one.
            if (!(p == v4 && udp.checksum() == 0)) udp.fillChecksum(p);
        } else if (transport == tcp) {
            tcp.fillChecksum(p);
        } else if (transport == icmp4) {
            icmp4.fillChecksum();
        } else if (transport == icmp6) {
            icmp6.fillChecksum(v6);
        }
    }

    /** Recomputes every checksum of the packet from {@code packet}'s position to its limit. */
    public static void fixChecksums(ByteBuffer packet) throws MalformedPacketException {
        new PacketEditor().edit(packet).finish();
    }

    private IpPacket ip() {
        if (ip == null) throw new IllegalStateException("no packet: call edit(buffer) first");
        return ip;
    }
}
