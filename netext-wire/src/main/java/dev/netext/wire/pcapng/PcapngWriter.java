package dev.netext.wire.pcapng;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

import static dev.netext.wire.pcapng.Pcapng.*;

/**
 * Writes one pcapng section (draft-ietf-opsawg-pcapng) to a channel:
 *
 * <pre>
 *   open()          → Section Header Block (little-endian, shb_userappl)
 *   addInterface()  → Interface Description Block (link type, snaplen, if_name, if_tsresol = nanoseconds)
 *   writePacket()   → Enhanced Packet Block (nanosecond timestamp, data truncated to the snaplen, opt_comment)
 * </pre>
 *
 * Memory is bounded: one block buffer of {@code 64 KiB + MAX_COMMENT_BYTES} is reused for every block, and each
 * block goes to the channel before the next is built. Comments longer than {@link #MAX_COMMENT_BYTES} are cut (at a
 * character boundary). Not thread-safe: one writer per file, on one thread.
 */
public final class PcapngWriter implements AutoCloseable {
    /** The largest packet an interface records in full; longer ones are truncated (the original length is kept). */
    public static final int MAX_SNAPLEN = 65_535;
    /** Longest comment kept, in UTF-8 bytes. */
    public static final int MAX_COMMENT_BYTES = 1024;
    private static final int MAX_NAME_BYTES = 256;

    private final WritableByteChannel out;
    private final ByteBuffer block;
    private final int[] snaplens = new int[16];
    private int interfaces;
    private long packets;
    private boolean closed;

    private PcapngWriter(WritableByteChannel out) {
        this.out = out;
        this.block = ByteBuffer.allocate(BLOCK_FRAMING + EPB_FIXED + MAX_SNAPLEN + 3
                + OPTION_HEADER + MAX_COMMENT_BYTES + 3 + OPTION_HEADER).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Starts a section on {@code out}, naming {@code application} (may be null) as its writer. */
    public static PcapngWriter open(WritableByteChannel out, String application) throws IOException {
        PcapngWriter w = new PcapngWriter(Objects.requireNonNull(out));
        w.begin(BLOCK_SHB);
        w.block.putInt(BYTE_ORDER_MAGIC).putShort(MAJOR_VERSION).putShort(MINOR_VERSION).putLong(SECTION_LENGTH_UNSPECIFIED);
        if (application != null) w.option(SHB_USERAPPL, utf8(application, MAX_NAME_BYTES));
        w.endOptions();
        w.finish();
        return w;
    }

    /**
     * Describes an interface; its id (0, 1, …) goes to {@link #writePacket}.
     *
     * @param linkType {@link Pcapng#LINKTYPE_RAW} for IP packets of either version
     * @param snaplen  1..{@link #MAX_SNAPLEN}: bytes kept of each packet
     */
    public int addInterface(String name, int linkType, int snaplen) throws IOException {
        ensureOpen();
        if (linkType < 0 || linkType > 0xFFFF) throw new IllegalArgumentException("link type " + linkType + " is not 16-bit");
        if (snaplen < 1 || snaplen > MAX_SNAPLEN) throw new IllegalArgumentException("snaplen " + snaplen + " outside 1.." + MAX_SNAPLEN);
        if (interfaces == snaplens.length) throw new IllegalStateException("at most " + snaplens.length + " interfaces");
        begin(BLOCK_IDB);
        block.putShort((short) linkType).putShort((short) 0).putInt(snaplen);
        if (name != null) option(IF_NAME, utf8(name, MAX_NAME_BYTES));
        option(IF_TSRESOL, new byte[] {TSRESOL_NANOSECONDS});
        endOptions();
        finish();
        snaplens[interfaces] = snaplen;
        return interfaces++;
    }

    /**
     * Writes {@code packet}'s remaining bytes (its position is not moved) as an Enhanced Packet Block.
     *
     * @param epochNanos     capture time, nanoseconds since 1970-01-01T00:00Z
     * @param originalLength the packet's length on the wire (at least its captured bytes)
     * @param comment        opt_comment text, or null
     */
    public void writePacket(int iface, long epochNanos, ByteBuffer packet, int originalLength, String comment) throws IOException {
        ensureOpen();
        if (iface < 0 || iface >= interfaces) throw new IllegalArgumentException("no interface " + iface);
        int captured = Math.min(packet.remaining(), snaplens[iface]);
        begin(BLOCK_EPB);
        block.putInt(iface).putInt((int) (epochNanos >>> 32)).putInt((int) epochNanos)
                .putInt(captured).putInt(Math.max(originalLength, packet.remaining()));
        block.put(block.position(), packet, packet.position(), captured);
        block.position(block.position() + captured);
        padTo4();
        if (comment != null && !comment.isEmpty()) {
            option(OPT_COMMENT, utf8(comment, MAX_COMMENT_BYTES));
            endOptions();
        }
        finish();
        packets++;
    }

    /** Packets written so far. */
    public long packets() { return packets; }

    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        out.close();
    }

    // ---- blocks ----

    private void begin(int type) {
        block.clear();
        block.putInt(type).putInt(0); // total length patched by finish()
    }

    private void option(short code, byte[] value) {
        block.putShort(code).putShort((short) value.length).put(value);
        padTo4();
    }

    private void endOptions() {
        block.putShort(OPT_ENDOFOPT).putShort((short) 0);
    }

    private void finish() throws IOException {
        int total = block.position() + 4;
        block.putInt(total);
        block.putInt(4, total);
        block.flip();
        while (block.hasRemaining()) out.write(block);
    }

    private void padTo4() {
        while ((block.position() & 3) != 0) block.put((byte) 0);
    }

    private void ensureOpen() throws IOException {
        if (closed) throw new IOException("pcapng writer is closed");
    }

    /** UTF-8 of {@code s}, cut to at most {@code max} bytes without splitting a character. */
    static byte[] utf8(String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= max) return b;
        int end = max;
        while (end > 0 && (b[end] & 0xC0) == 0x80) end--; // b[end] is a continuation byte: the cut would split it
        return Arrays.copyOf(b, end);
    }
}
