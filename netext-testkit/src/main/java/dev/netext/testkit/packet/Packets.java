package dev.netext.testkit.packet;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.wire.IcmpEchoRepr;
import dev.netext.wire.IcmpPacket;
import dev.netext.wire.IcmpV4Packet;
import dev.netext.wire.IcmpV6Packet;
import dev.netext.wire.IpPacket;
import dev.netext.wire.IpProtocol;
import dev.netext.wire.Ipv4Packet;
import dev.netext.wire.Ipv4Repr;
import dev.netext.wire.Ipv6Address;
import dev.netext.wire.Ipv6Packet;
import dev.netext.wire.Ipv6Repr;
import dev.netext.wire.MalformedPacketException;
import dev.netext.wire.TcpPacket;
import dev.netext.wire.UdpPacket;
import dev.netext.wire.UdpRepr;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.StringJoiner;

/**
 * Builds and reads raw IP packets for provider tests. Writing uses netext-wire's Reprs and views, so every packet
 * carries correct checksums; the family follows the addresses ({@code "10.7.0.1"} → IPv4, {@code "fd84::1"} → IPv6),
 * parsed without any name lookup.
 *
 * <pre>{@code
 * harness.inject(Packets.icmpEcho("fd84::1", "fd84::2", 1, 1, "hi".getBytes()));
 * ParsedPacket reply = Packets.parse(harness.awaitWritten(Duration.ofSeconds(1)));
 * assertThat(reply.isEchoReply()).isTrue();
 * assertThat(reply.checksumsValid()).isTrue();
 * Packets.describe(bytes);   // "ICMPv6 echo-reply fd84::2 → fd84::1 id=1 seq=1"
 * }</pre>
 *
 * See {@code ProviderTestingExample} in this module's tests for a provider author's test written with it.
 */
public final class Packets {
    private Packets() {}

    /** The echo data of {@link #icmpEcho(String, String, int, int)}. */
    public static final byte[] DEFAULT_ECHO_DATA = "netext-testkit ping".getBytes(StandardCharsets.US_ASCII);

    // ---- writing ------------------------------------------------------------------------------------------------

    /** An ICMP echo request (IPv4) or ICMPv6 echo request (IPv6) carrying {@link #DEFAULT_ECHO_DATA}. */
    public static byte[] icmpEcho(String src, String dst, int id, int seq) {
        return icmpEcho(src, dst, id, seq, DEFAULT_ECHO_DATA);
    }

    /** An ICMP echo request (IPv4) or ICMPv6 echo request (IPv6) from {@code src} to {@code dst}. */
    public static byte[] icmpEcho(String src, String dst, int id, int seq, byte[] payload) {
        return echo(IcmpEchoRepr.Kind.REQUEST, src, dst, id, seq, payload);
    }

    /** An ICMP or ICMPv6 echo reply, e.g. to feed a provider what the far end would answer. */
    public static byte[] icmpEchoReply(String src, String dst, int id, int seq, byte[] payload) {
        return echo(IcmpEchoRepr.Kind.REPLY, src, dst, id, seq, payload);
    }

    private static byte[] echo(IcmpEchoRepr.Kind kind, String src, String dst, int id, int seq, byte[] payload) {
        check16("id", id);
        check16("seq", seq);
        Endpoints e = Endpoints.of(src, dst);
        int msgLen = IcmpPacket.Field.HEADER_LEN + payload.length;
        IcmpEchoRepr icmp = new IcmpEchoRepr(kind, id, seq, payload.length);
        if (e.family == IpFamily.V4) {
            Built b = e.ipv4(IpProtocol.ICMP, msgLen);
            IcmpV4Packet view = new IcmpV4Packet().wrap(b.buf, b.upper, msgLen);
            b.buf.put(view.payloadOffset(), payload);
            icmp.emit(view);
            return b.buf.array();
        }
        Built b = e.ipv6(IpProtocol.ICMPV6, msgLen);
        IcmpV6Packet view = new IcmpV6Packet().wrap(b.buf, b.upper, msgLen);
        b.buf.put(view.payloadOffset(), payload);
        icmp.emit(view, (Ipv6Packet) b.ip);
        return b.buf.array();
    }

    /** A UDP datagram with a valid checksum (also over IPv4, where it is optional). */
    public static byte[] udp(String src, int sport, String dst, int dport, byte[] payload) {
        checkPort(sport);
        checkPort(dport);
        Endpoints e = Endpoints.of(src, dst);
        UdpRepr repr = new UdpRepr(sport, dport, payload.length);
        int len = repr.datagramLength();
        if (len > 0xFFFF) throw new IllegalArgumentException("UDP payload of " + payload.length + " bytes is too long");
        Built b = e.family == IpFamily.V4 ? e.ipv4(IpProtocol.UDP, len) : e.ipv6(IpProtocol.UDP, len);
        UdpPacket view = new UdpPacket().wrap(b.buf, b.upper, len);
        b.buf.put(view.payloadOffset(), payload);
        repr.emit(view, b.ip);
        return b.buf.array();
    }

    /** A TCP SYN (no options, window 65535) with sequence number {@code seq} and a valid checksum. */
    public static byte[] tcpSyn(String src, int sport, String dst, int dport, int seq) {
        return tcp(src, sport, dst, dport, seq, 0, TcpPacket.Field.FLAG_SYN, new byte[0]);
    }

    /** A TCP segment with the given flags ({@code TcpPacket.Field.FLAG_*}) and a valid checksum. */
    public static byte[] tcp(String src, int sport, String dst, int dport, int seq, int ack, int flags, byte[] payload) {
        checkPort(sport);
        checkPort(dport);
        Endpoints e = Endpoints.of(src, dst);
        int len = TcpPacket.Field.HEADER_LEN + payload.length;
        Built b = e.family == IpFamily.V4 ? e.ipv4(IpProtocol.TCP, len) : e.ipv6(IpProtocol.TCP, len);
        TcpPacket view = new TcpPacket().wrap(b.buf, b.upper, len);
        view.setSourcePort(sport);
        view.setDestinationPort(dport);
        view.setSequenceNumber(seq);
        view.setAcknowledgmentNumber(ack);
        view.setHeaderLength(TcpPacket.Field.HEADER_LEN);
        view.setFlags(flags);
        view.setWindow(0xFFFF);
        view.setUrgentPointer(0);
        b.buf.put(view.payloadOffset(), payload);
        view.fillChecksum(b.ip);
        return b.buf.array();
    }

    /**
     * An IP packet with protocol {@code protocol} and {@code upperLayer} as its payload, verbatim: nothing inside it
     * is checksummed (the IPv4 header checksum is). For protocols the other factories do not cover.
     */
    public static byte[] ip(String src, String dst, int protocol, byte[] upperLayer) {
        if (protocol < 0 || protocol > 255) throw new IllegalArgumentException("protocol " + protocol + " outside 0..255");
        Endpoints e = Endpoints.of(src, dst);
        Built b = e.family == IpFamily.V4 ? e.ipv4(protocol, upperLayer.length) : e.ipv6(protocol, upperLayer.length);
        b.buf.put(b.upper, upperLayer);
        return b.buf.array();
    }

    // ---- reading ------------------------------------------------------------------------------------------------

    /**
     * Takes a packet apart. Trailing bytes after the length the IP header declares are ignored.
     *
     * @throws IllegalArgumentException if the bytes are not a well-formed IPv4 or IPv6 packet (the reason is in the
     *                                  message)
     */
    public static ParsedPacket parse(byte[] packet) {
        ByteBuffer buf = ByteBuffer.wrap(packet);
        IpFamily family = packet.length == 0 ? null : IpFamily.ofFirstByte(packet[0]);
        if (family == null) throw new IllegalArgumentException("not an IP packet (" + packet.length + " bytes)");
        IpPacket ip;
        boolean ipChecksum = true;
        try {
            if (family == IpFamily.V4) {
                Ipv4Packet v4 = Ipv4Packet.of(buf, 0, packet.length);
                ipChecksum = v4.verifyChecksum();
                ip = v4;
            } else {
                ip = Ipv6Packet.of(buf, 0, packet.length);
            }
        } catch (MalformedPacketException e) {
            throw new IllegalArgumentException("malformed packet: " + e.getMessage(), e);
        }
        String src = address(packet, ip.sourceAddressOffset(), ip.addressLength());
        String dst = address(packet, ip.destinationAddressOffset(), ip.addressLength());
        int proto = ip.upperLayerProtocol();
        int at = ip.upperLayerOffset();
        int len = ip.upperLayerLength();
        int sport = -1, dport = -1, type = -1, code = -1, id = -1, seq = -1, flags = -1;
        boolean transport = true;
        byte[] payload = Arrays.copyOfRange(packet, at, at + len);
        boolean firstFragment = !ip.isFragment() || fragmentOffset(ip) == 0;
        if (firstFragment && proto == IpProtocol.UDP) {
            UdpPacket udp = new UdpPacket();
            if (!udp.tryWrap(buf, at, len)) throw new IllegalArgumentException("malformed UDP datagram");
            sport = udp.sourcePort();
            dport = udp.destinationPort();
            transport = udp.verifyChecksum(ip);
            payload = Arrays.copyOfRange(packet, udp.payloadOffset(), udp.payloadOffset() + udp.payloadLength());
        } else if (firstFragment && proto == IpProtocol.TCP) {
            TcpPacket tcp = new TcpPacket();
            if (!tcp.tryWrap(buf, at, len)) throw new IllegalArgumentException("malformed TCP segment");
            sport = tcp.sourcePort();
            dport = tcp.destinationPort();
            flags = tcp.flags();
            transport = tcp.verifyChecksum(ip);
            payload = Arrays.copyOfRange(packet, tcp.payloadOffset(), tcp.payloadOffset() + tcp.payloadLength());
        } else if (firstFragment && (family == IpFamily.V4 ? proto == IpProtocol.ICMP : proto == IpProtocol.ICMPV6)) {
            IcmpPacket icmp;
            if (family == IpFamily.V4) {
                IcmpV4Packet v4 = new IcmpV4Packet();
                if (!v4.tryWrap(buf, at, len)) throw new IllegalArgumentException("malformed ICMP message");
                transport = v4.verifyChecksum();
                icmp = v4;
            } else {
                IcmpV6Packet v6 = new IcmpV6Packet();
                if (!v6.tryWrap(buf, at, len)) throw new IllegalArgumentException("malformed ICMPv6 message");
                transport = v6.verifyChecksum((Ipv6Packet) ip);
                icmp = v6;
            }
            type = icmp.type();
            code = icmp.code();
            if (isEchoType(family, type)) {
                id = icmp.echoIdentifier();
                seq = icmp.echoSequence();
            }
            payload = Arrays.copyOfRange(packet, icmp.payloadOffset(), icmp.payloadOffset() + icmp.payloadLength());
        }
        return new ParsedPacket(family, proto, src, dst, ip.hopLimit(), sport, dport, type, code, id, seq, flags,
                payload, ipChecksum, transport);
    }

    /**
     * A one-line description for assertion messages and logs, e.g. {@code "ICMPv6 echo-reply fd84::2 → fd84::1 id=1
     * seq=1"} or {@code "UDP 10.7.0.1:5000 → 10.7.0.2:53 len=12"}. Never throws: garbage is described as such.
     */
    public static String describe(byte[] packet) {
        if (packet == null) return "null";
        try {
            return describe(parse(packet));
        } catch (IllegalArgumentException e) {
            return e.getMessage() + (e.getMessage().contains("bytes)") ? "" : " (" + packet.length + " bytes)");
        }
    }

    /** {@link #describe(byte[])} of a parsed packet. */
    public static String describe(ParsedPacket p) {
        boolean v4 = p.family() == IpFamily.V4;
        StringBuilder sb = new StringBuilder();
        if (p.isUdp() || p.isTcp()) {
            sb.append(p.isUdp() ? "UDP " : "TCP ")
                    .append(endpoint(p.src(), p.srcPort(), v4)).append(" → ").append(endpoint(p.dst(), p.dstPort(), v4));
            if (p.isTcp()) sb.append(' ').append(tcpFlags(p.tcpFlags()));
            sb.append(" len=").append(p.payload().length);
        } else if (p.isIcmp()) {
            sb.append(v4 ? "ICMP " : "ICMPv6 ");
            String name = icmpName(p.family(), p.icmpType());
            sb.append(name != null ? name : "type=" + p.icmpType() + " code=" + p.icmpCode());
            sb.append(' ').append(p.src()).append(" → ").append(p.dst());
            if (p.echoId() >= 0) sb.append(" id=").append(p.echoId()).append(" seq=").append(p.echoSeq());
        } else {
            sb.append(v4 ? "IPv4 " : "IPv6 ").append("proto=").append(p.protocol()).append(' ')
                    .append(p.src()).append(" → ").append(p.dst()).append(" len=").append(p.payload().length);
        }
        if (!p.checksumsValid()) sb.append(p.ipChecksumValid() ? " [bad checksum]" : " [bad IPv4 header checksum]");
        return sb.toString();
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static boolean isEchoType(IpFamily f, int type) {
        return f == IpFamily.V4
                ? type == IcmpV4Packet.TYPE_ECHO_REQUEST || type == IcmpV4Packet.TYPE_ECHO_REPLY
                : type == IcmpV6Packet.TYPE_ECHO_REQUEST || type == IcmpV6Packet.TYPE_ECHO_REPLY;
    }

    private static String icmpName(IpFamily f, int type) {
        if (f == IpFamily.V4) {
            return switch (type) {
                case IcmpV4Packet.TYPE_ECHO_REQUEST -> "echo-request";
                case IcmpV4Packet.TYPE_ECHO_REPLY -> "echo-reply";
                case IcmpV4Packet.TYPE_DEST_UNREACHABLE -> "destination-unreachable";
                case IcmpV4Packet.TYPE_TIME_EXCEEDED -> "time-exceeded";
                default -> null;
            };
        }
        return switch (type) {
            case IcmpV6Packet.TYPE_ECHO_REQUEST -> "echo-request";
            case IcmpV6Packet.TYPE_ECHO_REPLY -> "echo-reply";
            case IcmpV6Packet.TYPE_DEST_UNREACHABLE -> "destination-unreachable";
            case IcmpV6Packet.TYPE_PACKET_TOO_BIG -> "packet-too-big";
            case IcmpV6Packet.TYPE_TIME_EXCEEDED -> "time-exceeded";
            case IcmpV6Packet.TYPE_NEIGHBOR_SOLICITATION -> "neighbor-solicitation";
            case IcmpV6Packet.TYPE_NEIGHBOR_ADVERTISEMENT -> "neighbor-advertisement";
            default -> null;
        };
    }

    private static String tcpFlags(int flags) {
        StringJoiner j = new StringJoiner(",", "[", "]");
        String[] names = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"};
        for (int i = 0; i < names.length; i++) if ((flags & 1 << i) != 0) j.add(names[i]);
        return j.toString();
    }

    private static String endpoint(String addr, int port, boolean v4) {
        return (v4 ? addr : "[" + addr + "]") + ":" + port;
    }

    private static int fragmentOffset(IpPacket ip) {
        return ip instanceof Ipv4Packet v4 ? v4.fragmentOffset() : ((Ipv6Packet) ip).fragmentOffset();
    }

    private static String address(byte[] packet, int at, int len) {
        try {
            return IpPrefix.format(InetAddress.getByAddress(Arrays.copyOfRange(packet, at, at + len)));
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only for a bad length
        }
    }

    private static void check16(String what, int v) {
        if (v < 0 || v > 0xFFFF) throw new IllegalArgumentException(what + " " + v + " outside 0..65535");
    }

    private static void checkPort(int port) {
        check16("port", port);
    }

    /** A packet being built: its buffer, IP view, and where the upper layer starts. */
    private record Built(ByteBuffer buf, IpPacket ip, int upper) {}

    private record Endpoints(IpFamily family, byte[] src, byte[] dst) {
        static Endpoints of(String src, String dst) {
            InetAddress s = IpPrefix.parseAddress(src);
            InetAddress d = IpPrefix.parseAddress(dst);
            if (IpFamily.of(s) != IpFamily.of(d))
                throw new IllegalArgumentException("source " + src + " and destination " + dst + " are of different families");
            return new Endpoints(IpFamily.of(s), s.getAddress(), d.getAddress());
        }

        Built ipv4(int protocol, int upperLen) {
            Ipv4Repr repr = Ipv4Repr.of(ByteBuffer.wrap(src).getInt(), ByteBuffer.wrap(dst).getInt(), protocol, upperLen);
            if (repr.totalLength() > 0xFFFF) throw new IllegalArgumentException("IPv4 packet too long");
            ByteBuffer buf = ByteBuffer.allocate(repr.totalLength());
            Ipv4Packet view = new Ipv4Packet().wrap(buf, 0, buf.capacity());
            repr.emit(view);
            return new Built(buf, view, view.payloadOffset());
        }

        Built ipv6(int nextHeader, int upperLen) {
            if (upperLen > 0xFFFF) throw new IllegalArgumentException("IPv6 payload too long");
            Ipv6Repr repr = Ipv6Repr.of(Ipv6Address.of(src), Ipv6Address.of(dst), nextHeader, upperLen);
            ByteBuffer buf = ByteBuffer.allocate(repr.bufferLen() + upperLen);
            Ipv6Packet view = new Ipv6Packet().wrap(buf, 0, buf.capacity());
            repr.emit(view);
            return new Built(buf, view, view.payloadOffset());
        }
    }
}
