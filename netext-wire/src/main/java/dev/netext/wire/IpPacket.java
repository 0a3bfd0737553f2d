package dev.netext.wire;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * What the transport views and the reflector need from either IP version, so that UDP/TCP checksum code is
 * written once. Implemented by {@link Ipv4Packet} and {@link Ipv6Packet}; meaningful only after a successful check.
 */
public sealed interface IpPacket permits Ipv4Packet, Ipv6Packet {

    /** 4 or 6, from the version nibble (RFC 791 §3.1, RFC 8200 §3). */
    int version();

    /** The wrapped buffer; all offsets below are absolute indices into it. */
    ByteBuffer buffer();

    /** Absolute index of the IP header. */
    int offset();

    /** Length of the IP packet per its own header (IPv4 Total Length, IPv6 40 + Payload Length). */
    int packetLength();

    /** Protocol of the upper-layer header (IPv4 Protocol, or the Next Header that ends the IPv6 extension chain). */
    int upperLayerProtocol();

    /** Absolute index of the upper-layer header. */
    int upperLayerOffset();

    /** Length of the upper-layer header plus its payload; the length used in the pseudo-header. */
    int upperLayerLength();

    /** Absolute index of the source address; {@link #addressLength()} bytes long. */
    int sourceAddressOffset();

    /** Absolute index of the destination address; {@link #addressLength()} bytes long. */
    int destinationAddressOffset();

    /** 4 or 16. */
    int addressLength();

    /** The source address as an object: allocates, so for a flow's first packet, not the per-packet path. */
    default InetAddress sourceInetAddress() { return addressAt(sourceAddressOffset()); }

    /** The destination address as an object: allocates, as {@link #sourceInetAddress}. */
    default InetAddress destinationInetAddress() { return addressAt(destinationAddressOffset()); }

    private InetAddress addressAt(int offset) {
        byte[] a = new byte[addressLength()];
        buffer().get(offset, a);
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
        }
    }

    /** IPv4 TTL or IPv6 Hop Limit. */
    int hopLimit();

    /** Sets the TTL or Hop Limit; for IPv4 the header checksum is not touched. */
    void setHopLimit(int hopLimit);

    /** Whether this packet is a fragment (IPv4 MF or non-zero offset; IPv6 Fragment header present). */
    boolean isFragment();

    /**
     * The pseudo-header sum (see {@link Checksum}) for the upper-layer protocol {@code protocol} with length
     * {@code upperLength}: RFC 768 / RFC 9293 §3.1 for IPv4, RFC 8200 §8.1 for IPv6.
     */
    int pseudoHeaderSum(int protocol, int upperLength);

    /** Swaps source and destination addresses in place. The IPv4 header checksum is unchanged by this (RFC 1071 §2(B)). */
    void swapAddresses();
}
