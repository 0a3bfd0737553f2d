package dev.netext.flow.proxy;

import java.nio.ByteBuffer;

/**
 * One datagram through a SOCKS5 UDP relay (RFC 1928 §7): {@code RSV(2) FRAG(1) ATYP DST.ADDR DST.PORT DATA}. Toward
 * the relay, the address is the destination; from the relay, the source. Fragmentation is not implemented, so a
 * datagram with a non-zero FRAG is dropped, as §7 requires of such implementations.
 *
 * @param address the destination (sent) or source (received)
 * @param payload the DATA field, read-only
 */
public record Socks5UdpDatagram(Socks5Address address, ByteBuffer payload) {

    public Socks5UdpDatagram {
        if (address == null || payload == null) throw new IllegalArgumentException("address and payload are required");
        payload = payload.asReadOnlyBuffer();
    }

    public int bufferLen() { return Socks5.UDP_HEADER_FIXED + address.bufferLen() + payload.remaining(); }

    public void emit(ByteBuffer out) {
        out.putShort((short) 0).put((byte) 0); // RSV, FRAG: a whole datagram
        address.emit(out);
        out.put(payload.duplicate());
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(bufferLen());
        emit(b);
        return b.array();
    }

    /**
     * Parses a datagram from the relay; null for anything malformed, fragmented or truncated (to be dropped: a relay
     * datagram has no one to answer an error to). The payload shares {@code in}'s bytes.
     */
    public static Socks5UdpDatagram parse(ByteBuffer in) {
        ByteBuffer b = in.duplicate();
        if (b.remaining() < Socks5.UDP_HEADER_FIXED) return null;
        if (b.getShort() != 0) return null; // RSV
        if (b.get() != 0) return null;      // FRAG
        try {
            Socks5Address a = Socks5Address.parse(b);
            return a == null ? null : new Socks5UdpDatagram(a, b.slice());
        } catch (Socks5Exception e) {
            return null;
        }
    }
}
