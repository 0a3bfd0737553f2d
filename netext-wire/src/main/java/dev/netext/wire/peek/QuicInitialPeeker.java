package dev.netext.wire.peek;

import dev.netext.wire.quic.CryptoReassembler;
import dev.netext.wire.quic.InitialPacketOpener;
import dev.netext.wire.quic.QuicVersion;
import dev.netext.wire.quic.VarInt;
import java.nio.ByteBuffer;

import static dev.netext.wire.quic.QuicSpec.*;

/**
 * Reads the TLS ClientHello — and so the SNI — from the client Initial packets of a QUIC connection (versions 1 and
 * 2), one UDP datagram at a time:
 * <ol>
 *   <li>walk the long-header packets coalesced in the datagram (RFC 9000 §12.2, §17.2); skip 0-RTT and Handshake
 *       packets by their Length; stop at a short header or padding;</li>
 *   <li>open each Initial with keys derived from its Destination Connection ID ({@link InitialPacketOpener});</li>
 *   <li>parse its frames — only PADDING, PING, ACK, CRYPTO and CONNECTION_CLOSE may appear (RFC 9000 §12.4) — and
 *       put the CRYPTO data in order ({@link CryptoReassembler});</li>
 *   <li>hand the ClientHello to a {@link TlsClientHelloPeeker} once the stream holds all of it.</li>
 * </ol>
 * A ClientHello too big for one packet (large key shares) spans several Initial packets, in one datagram or
 * several: {@link PeekStatus#NEED_MORE} then means "give me the flow's next datagram", passing the same
 * {@link CryptoReassembler}. Datagrams under 1200 bytes are {@link PeekStatus#NOT_THIS_PROTOCOL}, as servers discard
 * them (RFC 9000 §14.1). The caller's buffer is never modified (the datagram is copied before its header is
 * unmasked). Not thread-safe: one per worker, one reassembler per flow.
 */
public final class QuicInitialPeeker {
    private static final int MAX_DATAGRAM_LEN = 65_527;

    private final InitialPacketOpener opener = new InitialPacketOpener();
    private final TlsClientHelloPeeker tls = new TlsClientHelloPeeker();
    private final CryptoReassembler ownStream = new CryptoReassembler();
    private byte[] packet = new byte[1500];
    private byte[] plain = new byte[1500];

    private QuicVersion version;
    private int initialPackets;
    private int needed;
    private String problem;

    /** Peeks at one datagram of a flow whose stream state lives in this peeker: the single-flow convenience. */
    public PeekStatus peek(ByteBuffer datagram, int off, int len) {
        return peek(datagram, off, len, ownStream);
    }

    /** Forgets the CRYPTO data of {@link #peek(ByteBuffer, int, int)}. */
    public void clear() {
        ownStream.clear();
    }

    /**
     * Peeks at one datagram, {@code len} bytes at absolute index {@code off}, adding its CRYPTO data to
     * {@code stream}, the state of the datagram's flow.
     */
    public PeekStatus peek(ByteBuffer datagram, int off, int len, CryptoReassembler stream) {
        version = null;
        initialPackets = 0;
        needed = 0;
        problem = null;
        if (!TlsClientHelloPeeker.inBuffer(datagram, off, len)) return malformed("window outside the buffer");
        if (len < 5 || (datagram.get(off) & HEADER_FORM_LONG) == 0) return PeekStatus.NOT_THIS_PROTOCOL;
        int versionWire = datagram.getInt(off + 1);
        QuicVersion v = QuicVersion.of(versionWire);
        if (v == null) return PeekStatus.NOT_THIS_PROTOCOL; // unknown version or Version Negotiation
        int type = (datagram.get(off) & LONG_PACKET_TYPE_MASK) >>> LONG_PACKET_TYPE_SHIFT;
        if (type != v.initialPacketType()) return PeekStatus.NOT_THIS_PROTOCOL; // a client's datagram opens with an Initial
        if (len < MIN_INITIAL_DATAGRAM_LEN || len > MAX_DATAGRAM_LEN) return PeekStatus.NOT_THIS_PROTOCOL;
        version = v;
        if (packet.length < len) {
            packet = new byte[len];
            plain = new byte[len];
        }
        datagram.get(off, packet, 0, len);
        String bad = packets(len, v, versionWire, stream);
        if (bad != null) return malformed(bad);
        return clientHello(stream);
    }

    /** Walks the coalesced packets of the datagram copied into {@link #packet}; null or the problem. */
    private String packets(int end, QuicVersion v, int versionWire, CryptoReassembler stream) {
        int pos = 0;
        while (pos < end) {
            int first = packet[pos] & 0xFF;
            // A short-header packet takes the rest of the datagram; zero bytes are padding (RFC 9000 §14.1).
            if ((first & HEADER_FORM_LONG) == 0) break;
            if (end - pos < 7) return "truncated long header";
            if (readInt(pos + 1) != versionWire) break; // RFC 9000 §12.2: receivers may ignore what follows
            int p = pos + 5;
            int dcidLen = packet[p++] & 0xFF;
            if (dcidLen > MAX_CONNECTION_ID_LEN) return "Destination Connection ID longer than 20 bytes";
            int dcidOff = p;
            p += dcidLen;
            if (p >= end) return "truncated long header";
            int scidLen = packet[p++] & 0xFF;
            if (scidLen > MAX_CONNECTION_ID_LEN) return "Source Connection ID longer than 20 bytes";
            p += scidLen;
            int type = (first & LONG_PACKET_TYPE_MASK) >>> LONG_PACKET_TYPE_SHIFT;
            boolean initial = type == v.initialPacketType();
            if (initial) {
                long tokenLength = VarInt.read(packet, p, end);
                if (tokenLength < 0 || tokenLength > end - p) return "truncated Initial token";
                p += VarInt.length(packet[p]) + (int) tokenLength;
            } else if (type == (v.initialPacketType() + 3) % 4) {
                break; // Retry (v1 0b11, v2 0b00): sent by servers only, has no Length
            }
            long length = VarInt.read(packet, p, end);
            if (length < 0) return "truncated Length";
            p += VarInt.length(packet[p]);
            if (length > end - p) return "packet Length beyond the datagram";
            int packetEnd = p + (int) length;
            if (initial) {
                if (dcidLen < MIN_INITIAL_DCID_LEN) return "client Initial Destination Connection ID shorter than 8 bytes";
                if (!stream.belongsTo(v, packet, dcidOff, dcidLen)) {
                    // RFC 9000 §12.2: coalesced packets share one connection ID; ignore a packet that does not
                    if (initialPackets > 0) break;
                    stream.reset(v, packet, dcidOff, dcidLen); // a new connection attempt on this flow
                }
                int n = opener.open(packet, pos, p, packetEnd, v, dcidOff, dcidLen, plain);
                if (n < 0) return opener.problem();
                initialPackets++;
                String bad = frames(n, stream);
                if (bad != null) return bad;
            }
            pos = packetEnd;
        }
        return null;
    }

    /** Parses the frames of a decrypted Initial payload in {@link #plain}; null or the problem. */
    private String frames(int n, CryptoReassembler stream) {
        int p = 0;
        while (p < n) {
            int type = plain[p] & 0xFF;
            if (type >= 0x40) return "frame type not allowed in Initial packets"; // all allowed types encode in one byte
            p++;
            switch (type) {
                case FRAME_PADDING, FRAME_PING -> { }
                case FRAME_ACK, FRAME_ACK_ECN -> {
                    // Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range, then the ranges and ECN counts
                    long rangeCount = 0;
                    for (int f = 0; f < 4; f++) {
                        long x = VarInt.read(plain, p, n);
                        if (x < 0) return "truncated ACK frame";
                        p += VarInt.length(plain[p]);
                        if (f == 2) rangeCount = x;
                    }
                    // every further field takes at least a byte: a count beyond the packet is a truncated frame
                    if (rangeCount > n - p) return "truncated ACK frame";
                    int more = 2 * (int) rangeCount + (type == FRAME_ACK_ECN ? 3 : 0);
                    for (int f = 0; f < more; f++) {
                        if (VarInt.read(plain, p, n) < 0) return "truncated ACK frame";
                        p += VarInt.length(plain[p]);
                    }
                }
                case FRAME_CRYPTO -> {
                    long offset = VarInt.read(plain, p, n);
                    if (offset < 0) return "truncated CRYPTO frame";
                    p += VarInt.length(plain[p]);
                    long length = VarInt.read(plain, p, n);
                    if (length < 0) return "truncated CRYPTO frame";
                    p += VarInt.length(plain[p]);
                    if (length > n - p) return "CRYPTO frame longer than its packet";
                    if (offset + length > MAX_STREAM_OFFSET) return "CRYPTO frame beyond 2^62-1";
                    if (!stream.insert(offset, plain, p, (int) length))
                        return "CRYPTO data beyond the reassembly limit or too scattered";
                    p += (int) length;
                }
                case FRAME_CONNECTION_CLOSE -> {
                    for (int f = 0; f < 2; f++) { // Error Code, Frame Type
                        if (VarInt.read(plain, p, n) < 0) return "truncated CONNECTION_CLOSE frame";
                        p += VarInt.length(plain[p]);
                    }
                    long reason = VarInt.read(plain, p, n);
                    if (reason < 0) return "truncated CONNECTION_CLOSE frame";
                    p += VarInt.length(plain[p]);
                    if (reason > n - p) return "CONNECTION_CLOSE reason longer than its packet";
                    p += (int) reason;
                }
                default -> {
                    return "frame type not allowed in Initial packets";
                }
            }
        }
        return null;
    }

    private PeekStatus clientHello(CryptoReassembler stream) {
        int have = stream.contiguous();
        if (have >= TlsSpec.HANDSHAKE_HEADER_LEN) {
            ByteBuffer b = stream.buffer();
            int total = TlsSpec.HANDSHAKE_HEADER_LEN + ((b.get(1) & 0xFF) << 16 | (b.get(2) & 0xFF) << 8 | b.get(3) & 0xFF);
            if ((b.get(0) & 0xFF) == TlsSpec.HANDSHAKE_CLIENT_HELLO && total > stream.limit())
                return malformed("ClientHello larger than the reassembly limit");
        }
        PeekStatus s = tls.peekHandshake(stream.buffer(), 0, have);
        return switch (s) {
            case COMPLETE -> PeekStatus.COMPLETE;
            case NEED_MORE -> {
                needed = tls.needed();
                yield PeekStatus.NEED_MORE;
            }
            case NOT_THIS_PROTOCOL -> malformed("CRYPTO stream does not start with a ClientHello");
            case MALFORMED -> malformed(tls.problem());
        };
    }

    private int readInt(int at) {
        return (packet[at] & 0xFF) << 24 | (packet[at + 1] & 0xFF) << 16 | (packet[at + 2] & 0xFF) << 8 | packet[at + 3] & 0xFF;
    }

    private PeekStatus malformed(String why) {
        problem = why;
        return PeekStatus.MALFORMED;
    }

    // ---------------------------------------------------------------- results

    /** After {@link PeekStatus#NEED_MORE}: CRYPTO bytes still missing at least (they come in the flow's next datagrams). */
    public int needed() { return needed; }

    public String problem() { return problem; }

    /** The QUIC version of the last datagram, or null if it was not a v1/v2 long header. */
    public QuicVersion version() { return version; }

    /** Initial packets opened in the last datagram. */
    public int initialPackets() { return initialPackets; }

    /** The ClientHello read after {@link PeekStatus#COMPLETE}: server name, ALPN, ECH. */
    public TlsClientHelloPeeker clientHello() { return tls; }
}
