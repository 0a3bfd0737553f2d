package dev.netext.wire.peek;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static dev.netext.wire.peek.TlsSpec.*;

/**
 * Reads the server name (SNI), ALPN protocols, offered versions and the presence of Encrypted Client Hello from a
 * TLS ClientHello, without terminating TLS: the first bytes a client sends on a TCP connection
 * ({@link #peekRecords}) or the CRYPTO stream of a QUIC Initial ({@link #peekHandshake}).
 *
 * <p>TLS 1.0 to 1.3 share the record and ClientHello layout (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2); TLS 1.3 is told
 * apart only by its {@code supported_versions} extension, whose GREASE values (RFC 8701) are skipped. A ClientHello
 * may span several records (handshake fragmentation, RFC 8446 §5.1) and any number of TCP segments: until it is
 * whole the peek says {@link PeekStatus#NEED_MORE} and {@link #needed()} how many more bytes at least. With ECH the
 * name on the wire is the outer ClientHello's, the client-facing server's public name; {@link #echOffered()} says so.
 *
 * <p>Allocation: none per peek when the ClientHello lies in one record (the usual case); a fragmented one is copied
 * into a scratch array that grows once to the largest size seen (at most {@link #MAX_CLIENT_HELLO_LEN}). Results are
 * copied out of the caller's buffer, so they stay valid after it changes, until the next peek. Garbage never throws:
 * every outcome is a {@link PeekStatus}. Not thread-safe; keep one per worker.
 */
public final class TlsClientHelloPeeker {
    /** The largest ClientHello accepted, handshake header included; post-quantum key shares make them ~2 KiB. */
    public static final int MAX_CLIENT_HELLO_LEN = 1 << 16;
    /** ALPN protocols kept; further ones are counted in {@link #alpnOffered()} but not stored. */
    public static final int MAX_ALPN_PROTOCOLS = 16;
    private static final int ALPN_STORE_BYTES = 512;
    /** RFC 1035 §2.3.4: 255 octets on the wire are 253 characters of text. */
    private static final int MAX_NAME_TEXT_LEN = 253;
    private static final int MAX_LABEL_LEN = 63;

    private static final int SEEN_SNI = 1, SEEN_ALPN = 2, SEEN_VERSIONS = 4, SEEN_ECH = 8;

    // results
    private int needed;
    private String problem;
    private int recordVersion;
    private int legacyVersion;
    private int highestVersion;
    private int clientHelloLength;
    private final byte[] serverName = new byte[MAX_HOST_NAME_LEN];
    private int serverNameLength;
    private final byte[] alpnStore = new byte[ALPN_STORE_BYTES];
    private final int[] alpnOffset = new int[MAX_ALPN_PROTOCOLS];
    private final int[] alpnLength = new int[MAX_ALPN_PROTOCOLS];
    private int alpnStored;
    private int alpnOffered;
    private int echType;
    private int seen;

    // defragmentation of a ClientHello split over records
    private byte[] scratch;
    private ByteBuffer scratchBuffer;

    private void reset() {
        needed = 0;
        problem = null;
        recordVersion = -1;
        legacyVersion = -1;
        highestVersion = -1;
        clientHelloLength = 0;
        serverNameLength = 0;
        alpnStored = 0;
        alpnOffered = 0;
        echType = -1;
        seen = 0;
    }

    /**
     * Peeks at the start of a TLS byte stream: {@code len} bytes at absolute index {@code off} of {@code buf}, records
     * included. Call again with the whole prefix (old and new bytes) after {@link PeekStatus#NEED_MORE}.
     */
    public PeekStatus peekRecords(ByteBuffer buf, int off, int len) {
        reset();
        if (!inBuffer(buf, off, len)) return malformed("window outside the buffer");
        if (len == 0) return needMore(RECORD_HEADER_LEN);
        // Classify on as few bytes as possible, so that a non-TLS flow is released early.
        if ((buf.get(off) & 0xFF) != CONTENT_TYPE_HANDSHAKE) return PeekStatus.NOT_THIS_PROTOCOL;
        if (len >= 2 && (buf.get(off + 1) & 0xFF) != VERSION_MAJOR) return PeekStatus.NOT_THIS_PROTOCOL;
        if (len >= 3 && (buf.get(off + 2) & 0xFF) > 4) return PeekStatus.NOT_THIS_PROTOCOL;
        if (len >= 6 && (buf.get(off + 5) & 0xFF) != HANDSHAKE_CLIENT_HELLO) return PeekStatus.NOT_THIS_PROTOCOL;
        if (len < RECORD_HEADER_LEN) return needMore(RECORD_HEADER_LEN - len);
        recordVersion = u16(buf, off + 1);
        int recordLength = u16(buf, off + 3);
        String bad = checkRecordLength(recordLength);
        if (bad != null) return malformed(bad);
        int fragment = off + RECORD_HEADER_LEN;
        if (recordLength >= HANDSHAKE_HEADER_LEN) {
            if (len < RECORD_HEADER_LEN + HANDSHAKE_HEADER_LEN)
                return needMore(RECORD_HEADER_LEN + HANDSHAKE_HEADER_LEN - len);
            int messageLength = u24(buf, fragment + 1);
            if (messageLength > MAX_CLIENT_HELLO_LEN - HANDSHAKE_HEADER_LEN) return malformed("ClientHello too large");
            int messageEnd = HANDSHAKE_HEADER_LEN + messageLength;
            if (messageEnd <= recordLength) {
                // The whole ClientHello is in the first record: parse it in place.
                if (len < RECORD_HEADER_LEN + messageEnd) return needMore(RECORD_HEADER_LEN + messageEnd - len);
                return parseClientHello(buf, fragment + HANDSHAKE_HEADER_LEN, messageLength);
            }
        }
        return defragment(buf, off, len);
    }

    /**
     * Peeks at handshake messages without the record layer, as QUIC carries them in CRYPTO frames (RFC 9001 §4): the
     * ClientHello's 4-byte handshake header, then its body.
     */
    public PeekStatus peekHandshake(ByteBuffer buf, int off, int len) {
        reset();
        if (!inBuffer(buf, off, len)) return malformed("window outside the buffer");
        if (len == 0) return needMore(HANDSHAKE_HEADER_LEN);
        if ((buf.get(off) & 0xFF) != HANDSHAKE_CLIENT_HELLO) return PeekStatus.NOT_THIS_PROTOCOL;
        if (len < HANDSHAKE_HEADER_LEN) return needMore(HANDSHAKE_HEADER_LEN - len);
        int messageLength = u24(buf, off + 1);
        if (messageLength > MAX_CLIENT_HELLO_LEN - HANDSHAKE_HEADER_LEN) return malformed("ClientHello too large");
        if (len < HANDSHAKE_HEADER_LEN + messageLength) return needMore(HANDSHAKE_HEADER_LEN + messageLength - len);
        return parseClientHello(buf, off + HANDSHAKE_HEADER_LEN, messageLength);
    }

    /** Collects a ClientHello split over several records into {@link #scratch}, then parses it there. */
    private PeekStatus defragment(ByteBuffer buf, int off, int len) {
        ensureScratch(HANDSHAKE_HEADER_LEN);
        int end = off + len;
        int pos = off;
        int have = 0;
        int target = HANDSHAKE_HEADER_LEN; // until the handshake header is known
        while (true) {
            if (end - pos < RECORD_HEADER_LEN) return needMore(pos + RECORD_HEADER_LEN - end);
            // RFC 8446 §5.1: handshake messages MUST NOT be interleaved with other record types.
            if ((buf.get(pos) & 0xFF) != CONTENT_TYPE_HANDSHAKE || (buf.get(pos + 1) & 0xFF) != VERSION_MAJOR)
                return malformed("non-handshake record inside a fragmented ClientHello");
            int recordLength = u16(buf, pos + 3);
            String bad = checkRecordLength(recordLength);
            if (bad != null) return malformed(bad);
            int at = pos + RECORD_HEADER_LEN;
            int recordEnd = at + recordLength;
            int available = Math.min(recordEnd, end);
            while (at < available && have < target) {
                int n = Math.min(available - at, target - have);
                buf.get(at, scratch, have, n);
                at += n;
                have += n;
                if (target == HANDSHAKE_HEADER_LEN && have == HANDSHAKE_HEADER_LEN) {
                    if ((scratch[0] & 0xFF) != HANDSHAKE_CLIENT_HELLO) return PeekStatus.NOT_THIS_PROTOCOL;
                    int messageLength = (scratch[1] & 0xFF) << 16 | (scratch[2] & 0xFF) << 8 | scratch[3] & 0xFF;
                    if (messageLength > MAX_CLIENT_HELLO_LEN - HANDSHAKE_HEADER_LEN)
                        return malformed("ClientHello too large");
                    target = HANDSHAKE_HEADER_LEN + messageLength;
                    ensureScratch(target);
                }
            }
            if (have == target) return parseClientHello(scratchBuffer, HANDSHAKE_HEADER_LEN, target - HANDSHAKE_HEADER_LEN);
            if (recordEnd > end) return needMore(Math.min(recordEnd - end, target - have));
            pos = recordEnd;
        }
    }

    private void ensureScratch(int size) {
        if (scratch != null && scratch.length >= size) return;
        byte[] bigger = new byte[Math.max(size, scratch == null ? 2048 : Math.min(MAX_CLIENT_HELLO_LEN, scratch.length * 2))];
        if (scratch != null) System.arraycopy(scratch, 0, bigger, 0, scratch.length);
        scratch = bigger;
        scratchBuffer = ByteBuffer.wrap(bigger);
    }

    private static String checkRecordLength(int recordLength) {
        if (recordLength == 0) return "zero-length handshake record"; // RFC 8446 §5.1
        if (recordLength > MAX_PLAINTEXT_LEN) return "record longer than 2^14 bytes";
        return null;
    }

    /**
     * Parses the ClientHello body ({@code n} bytes at {@code p}, after the handshake header):
     * <pre>
     * legacy_version(2) random(32) legacy_session_id&lt;0..32&gt; cipher_suites&lt;2..2^16-2&gt;
     * legacy_compression_methods&lt;1..2^8-1&gt; [extensions&lt;8..2^16-1&gt;]   (absent only before TLS 1.3)
     * </pre>
     */
    private PeekStatus parseClientHello(ByteBuffer b, int p, int n) {
        int end = p + n;
        if (n < 2 + RANDOM_LEN + 1) return malformed("ClientHello shorter than version, random and session id");
        legacyVersion = u16(b, p);
        if (legacyVersion >>> 8 != VERSION_MAJOR) return malformed("ClientHello legacy_version is not 3.x");
        p += 2 + RANDOM_LEN;
        int sessionId = b.get(p++) & 0xFF;
        if (sessionId > MAX_SESSION_ID_LEN) return malformed("legacy_session_id longer than 32 bytes");
        p += sessionId;
        if (p + 2 > end) return malformed("ClientHello ends before cipher_suites");
        int suites = u16(b, p);
        p += 2;
        if (suites < 2 || (suites & 1) != 0) return malformed("cipher_suites length is not a positive even number");
        if (p + suites + 1 > end) return malformed("ClientHello ends inside cipher_suites");
        p += suites;
        int compressions = b.get(p++) & 0xFF;
        if (compressions < 1) return malformed("no legacy_compression_methods");
        if (p + compressions > end) return malformed("ClientHello ends inside legacy_compression_methods");
        p += compressions;
        clientHelloLength = HANDSHAKE_HEADER_LEN + n;
        highestVersion = legacyVersion;
        if (p == end) return PeekStatus.COMPLETE; // TLS 1.0–1.2 without extensions
        if (p + 2 > end) return malformed("ClientHello ends inside the extensions length");
        int extensionsLength = u16(b, p);
        p += 2;
        if (p + extensionsLength != end) return malformed("extensions length does not match the ClientHello length");
        while (p < end) {
            if (end - p < 4) return malformed("truncated extension header");
            int type = u16(b, p);
            int length = u16(b, p + 2);
            p += 4;
            if (length > end - p) return malformed("extension longer than the ClientHello");
            String bad = switch (type) {
                case EXT_SERVER_NAME -> once(SEEN_SNI) ? serverNameExtension(b, p, length) : "two server_name extensions";
                case EXT_APPLICATION_LAYER_PROTOCOL_NEGOTIATION ->
                        once(SEEN_ALPN) ? alpnExtension(b, p, length) : "two ALPN extensions";
                case EXT_SUPPORTED_VERSIONS ->
                        once(SEEN_VERSIONS) ? supportedVersionsExtension(b, p, length) : "two supported_versions extensions";
                case EXT_ENCRYPTED_CLIENT_HELLO -> once(SEEN_ECH) ? echExtension(b, p, length) : "two ECH extensions";
                default -> null; // includes GREASE extension types (RFC 8701): ignored
            };
            if (bad != null) return malformed(bad);
            p += length;
        }
        return PeekStatus.COMPLETE;
    }

    /** RFC 8446 §4.2: there MUST NOT be more than one extension of the same type. */
    private boolean once(int flag) {
        if ((seen & flag) != 0) return false;
        seen |= flag;
        return true;
    }

    /** RFC 6066 §3: {@code ServerNameList<1..2^16-1>} of {@code name_type(1) HostName<1..2^16-1>}. */
    private String serverNameExtension(ByteBuffer b, int p, int length) {
        if (length < 2 || u16(b, p) != length - 2) return "server_name list length does not match the extension";
        int end = p + length;
        p += 2;
        if (p == end) return "empty server_name list";
        while (p < end) {
            if (end - p < 3) return "truncated server_name entry";
            int type = b.get(p) & 0xFF;
            int nameLength = u16(b, p + 1);
            p += 3;
            if (nameLength > end - p) return "server name longer than its list";
            if (type != NAME_TYPE_HOST_NAME) return null; // no other type is defined; its layout is unknown
            if (serverNameLength != 0) return "two host names in server_name"; // RFC 6066 §3
            String bad = checkHostName(b, p, nameLength);
            if (bad != null) return bad;
            b.get(p, serverName, 0, nameLength);
            serverNameLength = nameLength;
            p += nameLength;
        }
        return null;
    }

    /**
     * A DNS host name as RFC 6066 §3 allows it: ASCII letters, digits, hyphen, and underscore (seen in the wild), in
     * dot-separated labels of 1..63 characters, at most 253 characters, without a trailing dot.
     */
    private static String checkHostName(ByteBuffer b, int p, int n) {
        if (n == 0) return "empty host name";
        if (n > MAX_NAME_TEXT_LEN) return "host name longer than 253 characters";
        int label = 0;
        for (int i = 0; i < n; i++) {
            int c = b.get(p + i) & 0xFF;
            if (c == '.') {
                if (label == 0) return "empty label in host name";
                label = 0;
            } else if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
                if (++label > MAX_LABEL_LEN) return "host name label longer than 63 characters";
            } else {
                return "host name has a character other than letters, digits, '-', '_' and '.'";
            }
        }
        return label == 0 ? "host name ends with a dot" : null;
    }

    /** RFC 7301 §3.1: {@code ProtocolNameList<2..2^16-1>} of {@code ProtocolName<1..2^8-1>}. */
    private String alpnExtension(ByteBuffer b, int p, int length) {
        if (length < 2 || u16(b, p) != length - 2) return "ALPN list length does not match the extension";
        int end = p + length;
        p += 2;
        if (p == end) return "empty ALPN list";
        int stored = 0;
        while (p < end) {
            int n = b.get(p++) & 0xFF;
            if (n == 0) return "empty ALPN protocol name";
            if (n > end - p) return "ALPN protocol name longer than its list";
            if (alpnStored < MAX_ALPN_PROTOCOLS && stored + n <= ALPN_STORE_BYTES) {
                b.get(p, alpnStore, stored, n);
                alpnOffset[alpnStored] = stored;
                alpnLength[alpnStored] = n;
                alpnStored++;
                stored += n;
            }
            alpnOffered++;
            p += n;
        }
        return null;
    }

    /** RFC 8446 §4.2.1, ClientHello form: {@code ProtocolVersion versions<2..254>}; GREASE values ignored. */
    private String supportedVersionsExtension(ByteBuffer b, int p, int length) {
        if (length < 1) return "empty supported_versions";
        int n = b.get(p) & 0xFF;
        if (n != length - 1 || n < 2 || (n & 1) != 0) return "supported_versions length does not match the extension";
        int highest = -1;
        for (int i = p + 1; i < p + 1 + n; i += 2) {
            int v = u16(b, i);
            if (!isGrease(v) && v > highest) highest = v;
        }
        if (highest >= 0) highestVersion = highest;
        return null;
    }

    /** ECH §5: {@code ECHClientHello} starts with its type, outer (0) on the wire. */
    private String echExtension(ByteBuffer b, int p, int length) {
        if (length < 1) return "empty encrypted_client_hello";
        echType = b.get(p) & 0xFF;
        return null;
    }

    // ---------------------------------------------------------------- results

    /** After {@link PeekStatus#NEED_MORE}: the least number of further bytes worth peeking again for. */
    public int needed() { return needed; }

    /** After {@link PeekStatus#MALFORMED}: the rule that was broken; otherwise null. */
    public String problem() { return problem; }

    /** The first record's {@code legacy_record_version}, or -1 (no record layer, or not read). */
    public int recordVersion() { return recordVersion; }

    /** The ClientHello's {@code legacy_version} (0x0303 for TLS 1.2 and 1.3). */
    public int legacyVersion() { return legacyVersion; }

    /**
     * The highest version the client offers: the largest non-GREASE {@code supported_versions} entry (0x0304 for
     * TLS 1.3), or {@code legacy_version} without that extension.
     */
    public int highestVersion() { return highestVersion; }

    /** The ClientHello's length in bytes, handshake header included (without record headers). */
    public int clientHelloLength() { return clientHelloLength; }

    public boolean hasServerName() { return serverNameLength > 0; }

    /** The host name as sent (case preserved), or null. With ECH, the outer (public) name. */
    public String serverName() {
        return serverNameLength == 0 ? null : new String(serverName, 0, serverNameLength, StandardCharsets.US_ASCII);
    }

    /** Whether the server name equals {@code name}, ignoring ASCII case; allocation-free. */
    public boolean serverNameEqualsIgnoreCase(String name) {
        if (name.length() != serverNameLength) return false;
        for (int i = 0; i < serverNameLength; i++) {
            if (lowerAscii(serverName[i]) != lowerAscii(name.charAt(i))) return false;
        }
        return true;
    }

    /** ALPN protocols kept (at most {@link #MAX_ALPN_PROTOCOLS}). */
    public int alpnCount() { return alpnStored; }

    /** ALPN protocols in the ClientHello, including any not kept. */
    public int alpnOffered() { return alpnOffered; }

    /** The {@code i}th ALPN protocol, e.g. {@code h2}; protocol names are bytes, shown as ISO-8859-1. */
    public String alpn(int i) {
        if (i < 0 || i >= alpnStored) throw new IndexOutOfBoundsException(i);
        return new String(alpnStore, alpnOffset[i], alpnLength[i], StandardCharsets.ISO_8859_1);
    }

    /** Whether the ClientHello carries an {@code encrypted_client_hello} extension (real or GREASE ECH). */
    public boolean echOffered() { return echType >= 0; }

    /** The ECH extension's type byte ({@link TlsSpec#ECH_CLIENT_HELLO_OUTER} on the wire), or -1 without ECH. */
    public int echType() { return echType; }

    // ---------------------------------------------------------------- helpers

    private PeekStatus needMore(int n) {
        needed = Math.max(1, n);
        return PeekStatus.NEED_MORE;
    }

    private PeekStatus malformed(String why) {
        problem = why;
        return PeekStatus.MALFORMED;
    }

    private static int lowerAscii(int c) {
        return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }

    static boolean inBuffer(ByteBuffer buf, int off, int len) {
        return buf != null && off >= 0 && len >= 0 && off <= buf.limit() - len;
    }

    private static int u16(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) << 8 | b.get(at + 1) & 0xFF;
    }

    private static int u24(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) << 16 | (b.get(at + 1) & 0xFF) << 8 | b.get(at + 2) & 0xFF;
    }
}
