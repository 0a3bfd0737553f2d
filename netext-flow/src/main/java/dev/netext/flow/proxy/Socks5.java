package dev.netext.flow.proxy;

/**
 * SOCKS protocol version 5 constants, named as in RFC 1928 (and RFC 1929 for username/password authentication).
 */
final class Socks5 {
    private Socks5() {}

    /** RFC 1928 §3: VER in every client and server message. */
    static final int VERSION = 0x05;

    // §3 METHOD values
    static final int METHOD_NO_AUTHENTICATION_REQUIRED = 0x00;
    static final int METHOD_USERNAME_PASSWORD = 0x02;
    static final int METHOD_NO_ACCEPTABLE_METHODS = 0xFF;

    // §4 CMD values
    static final int CMD_CONNECT = 0x01;
    static final int CMD_UDP_ASSOCIATE = 0x03;

    // §4/§5 ATYP values
    static final int ATYP_IPV4 = 0x01;
    static final int ATYP_DOMAINNAME = 0x03;
    static final int ATYP_IPV6 = 0x04;

    /** §6 REP: succeeded; everything else is a failure. */
    static final int REP_SUCCEEDED = 0x00;

    /** §6 REP texts, index = code. */
    private static final String[] REPLIES = {
            "succeeded", "general SOCKS server failure", "connection not allowed by ruleset", "Network unreachable",
            "Host unreachable", "Connection refused", "TTL expired", "Command not supported",
            "Address type not supported"};

    static String reply(int rep) {
        return rep < REPLIES.length ? REPLIES[rep] : "unassigned reply 0x" + Integer.toHexString(rep);
    }

    /** RFC 1929 §2: the subnegotiation's own version, and the status that means success. */
    static final int AUTH_VERSION = 0x01;
    static final int AUTH_STATUS_SUCCESS = 0x00;

    /** RFC 1929 §2: UNAME and PASSWD are 1..255 octets. */
    static final int MAX_CREDENTIAL_LENGTH = 255;

    /** §5: a DOMAINNAME is one length octet and at most 255 octets. */
    static final int MAX_DOMAIN_LENGTH = 255;

    /** §7 UDP request header: RSV (2), FRAG (1), then the address. */
    static final int UDP_HEADER_FIXED = 3;
}
