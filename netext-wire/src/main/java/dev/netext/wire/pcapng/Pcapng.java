package dev.netext.wire.pcapng;

/**
 * pcapng constants, named as in the PCAP Next Generation Dump File Format (draft-ietf-opsawg-pcapng, "pcapng" below)
 * and the tcpdump.org link-type registry.
 */
public final class Pcapng {
    private Pcapng() {}

    // ---- block types (pcapng §4, §11.1) ----
    /** Section Header Block (pcapng §4.1): "\r\n\n\r", the same in both byte orders. */
    public static final int BLOCK_SHB = 0x0A0D0D0A;
    /** Interface Description Block (pcapng §4.2). */
    public static final int BLOCK_IDB = 0x00000001;
    /** Enhanced Packet Block (pcapng §4.3). */
    public static final int BLOCK_EPB = 0x00000006;

    /** Byte-Order Magic of the SHB (pcapng §4.1); its byte order is the section's. */
    public static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    public static final short MAJOR_VERSION = 1;
    public static final short MINOR_VERSION = 0;
    /** Section Length when it is not given (pcapng §4.1). */
    public static final long SECTION_LENGTH_UNSPECIFIED = -1L;

    // ---- options (pcapng §3.5) ----
    public static final short OPT_ENDOFOPT = 0;
    /** opt_comment: UTF-8 text, allowed in every block (pcapng §3.5). */
    public static final short OPT_COMMENT = 1;
    /** shb_userappl (pcapng §4.1). */
    public static final short SHB_USERAPPL = 4;
    /** if_name (pcapng §4.2). */
    public static final short IF_NAME = 2;
    /** if_tsresol (pcapng §4.2): a power of ten (high bit clear) of the timestamp unit; 9 = nanoseconds. */
    public static final short IF_TSRESOL = 9;
    public static final byte TSRESOL_NANOSECONDS = 9;

    // ---- link types (tcpdump.org/linktypes.html) ----
    /** LINKTYPE_RAW: raw IP, the version in the first nibble — IPv4 and IPv6 in one interface. */
    public static final int LINKTYPE_RAW = 101;
    public static final int LINKTYPE_IPV4 = 228;
    public static final int LINKTYPE_IPV6 = 229;

    // ---- sizes ----
    /** Block Type + Block Total Length at the front, Block Total Length at the end (pcapng §3.1). */
    public static final int BLOCK_FRAMING = 4 + 4 + 4;
    /** Option Code + Option Length (pcapng §3.5). */
    public static final int OPTION_HEADER = 2 + 2;
    /** EPB fixed fields after the block header: Interface ID, Timestamp (Upper, Lower), Captured, Original length. */
    public static final int EPB_FIXED = 4 + 4 + 4 + 4 + 4;
    /** IDB fixed fields: LinkType, Reserved, SnapLen. */
    public static final int IDB_FIXED = 2 + 2 + 4;
    /** SHB fixed fields: Byte-Order Magic, Major, Minor, Section Length. */
    public static final int SHB_FIXED = 4 + 2 + 2 + 8;

    /** {@code n} rounded up to the 32-bit boundary every field and block ends on (pcapng §3.1). */
    public static int pad4(int n) {
        return (n + 3) & ~3;
    }
}
