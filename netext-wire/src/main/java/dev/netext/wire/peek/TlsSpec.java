package dev.netext.wire.peek;

/**
 * TLS constants a ClientHello peeker needs, named as in the RFCs: the record layer (RFC 8446 §5.1, the same for
 * TLS 1.0–1.2: RFC 5246 §6.2), the ClientHello (RFC 8446 §4.1.2), and the extensions read here.
 */
public final class TlsSpec {
    private TlsSpec() {}

    // ---------------------------------------------------------------- record layer, RFC 8446 §5.1
    /** {@code ContentType.handshake}. */
    public static final int CONTENT_TYPE_HANDSHAKE = 22;
    /** {@code TLSPlaintext}: type(1) legacy_record_version(2) length(2). */
    public static final int RECORD_HEADER_LEN = 5;
    /** {@code TLSPlaintext.length} MUST NOT exceed 2^14 (record_overflow otherwise). */
    public static final int MAX_PLAINTEXT_LEN = 1 << 14;
    /** Major version of SSL 3.0 and every TLS version's wire encoding (3,1)…(3,4). */
    public static final int VERSION_MAJOR = 3;

    // ---------------------------------------------------------------- protocol versions
    public static final int SSL_3_0 = 0x0300, TLS_1_0 = 0x0301, TLS_1_1 = 0x0302, TLS_1_2 = 0x0303, TLS_1_3 = 0x0304;

    // ---------------------------------------------------------------- handshake, RFC 8446 §4
    /** {@code Handshake}: msg_type(1) length(3). */
    public static final int HANDSHAKE_HEADER_LEN = 4;
    /** {@code HandshakeType.client_hello}. */
    public static final int HANDSHAKE_CLIENT_HELLO = 1;
    /** {@code Random}: 32 bytes. */
    public static final int RANDOM_LEN = 32;
    /** {@code legacy_session_id<0..32>}. */
    public static final int MAX_SESSION_ID_LEN = 32;

    // ---------------------------------------------------------------- extensions (IANA "TLS ExtensionType Values")
    /** RFC 6066 §3. */
    public static final int EXT_SERVER_NAME = 0;
    /** RFC 7301 §3.1. */
    public static final int EXT_APPLICATION_LAYER_PROTOCOL_NEGOTIATION = 16;
    /** RFC 8446 §4.2.1. */
    public static final int EXT_SUPPORTED_VERSIONS = 43;
    /** draft-ietf-tls-esni (TLS Encrypted Client Hello) §5, code point 0xfe0d. */
    public static final int EXT_ENCRYPTED_CLIENT_HELLO = 0xfe0d;

    /** RFC 6066 §3: {@code NameType.host_name}. */
    public static final int NAME_TYPE_HOST_NAME = 0;
    /** RFC 6066 §3: {@code HostName<1..2^16-1>}, but a DNS name is at most 253 characters (255 octets on the wire). */
    public static final int MAX_HOST_NAME_LEN = 255;

    /** ECH §5: {@code ECHClientHelloType}: outer = 0 (sent on the wire), inner = 1 (only inside the encryption). */
    public static final int ECH_CLIENT_HELLO_OUTER = 0, ECH_CLIENT_HELLO_INNER = 1;

    /**
     * RFC 8701 §2: GREASE values for cipher suites, extension types, versions, ALPN…: {@code 0x0A0A, 0x1A1A, …,
     * 0xFAFA}, both bytes equal with low nibble {@code A}. Peers must ignore them.
     */
    public static boolean isGrease(int value16) {
        return (value16 & 0x0F0F) == 0x0A0A && (value16 >>> 8) == (value16 & 0xFF);
    }
}
