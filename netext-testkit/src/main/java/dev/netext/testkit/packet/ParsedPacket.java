package dev.netext.testkit.packet;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.wire.IcmpV4Packet;
import dev.netext.wire.IcmpV6Packet;
import dev.netext.wire.IpProtocol;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * One IP packet taken apart by {@link Packets#parse}, for assertions. Addresses are RFC 5952 text
 * ({@code "fd84::1"}, {@code "10.7.0.1"}); fields that do not apply to the protocol are {@code -1}.
 *
 * @param family          IPv4 or IPv6
 * @param protocol        the upper-layer protocol ({@link IpProtocol} numbers), after any IPv6 extension headers
 * @param src             source address
 * @param dst             destination address
 * @param hopLimit        IPv4 TTL or IPv6 Hop Limit
 * @param srcPort         UDP/TCP source port, or -1
 * @param dstPort         UDP/TCP destination port, or -1
 * @param icmpType        ICMP or ICMPv6 type, or -1
 * @param icmpCode        ICMP or ICMPv6 code, or -1
 * @param echoId          echo identifier (echo request/reply only), or -1
 * @param echoSeq         echo sequence number (echo request/reply only), or -1
 * @param tcpFlags        the TCP flag bits ({@code TcpPacket.Field.FLAG_*}), or -1
 * @param payload         the transport payload: UDP data, TCP data, ICMP body after the 8-octet header (echo data);
 *                        for other protocols the whole upper-layer part
 * @param ipChecksumValid whether the IPv4 header checksum verifies (always true for IPv6, which has none)
 * @param transportChecksumValid whether the ICMP/ICMPv6/UDP/TCP checksum verifies (true for other protocols)
 */
public record ParsedPacket(IpFamily family, int protocol, String src, String dst, int hopLimit,
                           int srcPort, int dstPort, int icmpType, int icmpCode, int echoId, int echoSeq,
                           int tcpFlags, byte[] payload, boolean ipChecksumValid, boolean transportChecksumValid) {

    public ParsedPacket {
        Objects.requireNonNull(family);
        Objects.requireNonNull(src);
        Objects.requireNonNull(dst);
        payload = payload.clone();
    }

    /** Every checksum the packet carries verifies (IPv4 header and transport). */
    public boolean checksumsValid() { return ipChecksumValid && transportChecksumValid; }

    /** A copy of the payload. */
    @Override
    public byte[] payload() { return payload.clone(); }

    /** The source as an address (no name lookup). */
    public InetAddress srcAddress() { return IpPrefix.parseAddress(src); }

    /** The destination as an address (no name lookup). */
    public InetAddress dstAddress() { return IpPrefix.parseAddress(dst); }

    public boolean isUdp() { return protocol == IpProtocol.UDP; }

    public boolean isTcp() { return protocol == IpProtocol.TCP; }

    /** ICMP over IPv4 or ICMPv6 over IPv6. */
    public boolean isIcmp() {
        return protocol == (family == IpFamily.V4 ? IpProtocol.ICMP : IpProtocol.ICMPV6);
    }

    /** An ICMP or ICMPv6 echo request. */
    public boolean isEchoRequest() {
        return isIcmp() && icmpType == (family == IpFamily.V4 ? IcmpV4Packet.TYPE_ECHO_REQUEST : IcmpV6Packet.TYPE_ECHO_REQUEST);
    }

    /** An ICMP or ICMPv6 echo reply. */
    public boolean isEchoReply() {
        return isIcmp() && icmpType == (family == IpFamily.V4 ? IcmpV4Packet.TYPE_ECHO_REPLY : IcmpV6Packet.TYPE_ECHO_REPLY);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParsedPacket p && family == p.family && protocol == p.protocol && src.equals(p.src)
                && dst.equals(p.dst) && hopLimit == p.hopLimit && srcPort == p.srcPort && dstPort == p.dstPort
                && icmpType == p.icmpType && icmpCode == p.icmpCode && echoId == p.echoId && echoSeq == p.echoSeq
                && tcpFlags == p.tcpFlags && Arrays.equals(payload, p.payload)
                && ipChecksumValid == p.ipChecksumValid && transportChecksumValid == p.transportChecksumValid;
    }

    @Override
    public int hashCode() {
        return Objects.hash(family, protocol, src, dst, srcPort, dstPort, icmpType, echoId, echoSeq) * 31
                + Arrays.hashCode(payload);
    }

    @Override
    public String toString() { return Packets.describe(this); }
}
