package dev.netext.linux.nfqueue;

import dev.netext.linux.netlink.NetlinkH;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.netext.linux.nfqueue.NfqPacket.BE_INT;
import static dev.netext.linux.nfqueue.NfqPacket.BE_SHORT;
import static dev.netext.linux.nfqueue.NfqPacket.NATIVE_INT;
import static dev.netext.linux.nfqueue.NfqPacket.NATIVE_SHORT;
import static dev.netext.linux.nfqueue.NfqueueH.*;

/**
 * Appends verdict messages to a caller-owned buffer, back to back, so that one {@code sendto} carries the verdicts of
 * a whole receive batch (nfnetlink processes every message of a datagram). Writes in place: no allocation.
 *
 * <pre>
 * NFQNL_MSG_VERDICT:       nlmsghdr | nfgenmsg{AF_UNSPEC, NFNETLINK_V0, htons(queue)}
 *                          | NFQA_VERDICT_HDR{htonl(verdict), htonl(id)} [| NFQA_MARK{htonl(mark)}] [| NFQA_PAYLOAD{bytes}]
 * NFQNL_MSG_VERDICT_BATCH: the same header; the verdict applies to every queued packet with an id up to {@code id}
 * </pre>
 * Not thread-safe; {@link NfQueue} serialises its users.
 */
public final class NfqVerdictWriter {
    /** Message overhead of a verdict: headers, verdict header, mark, payload attribute header. */
    public static final int MAX_OVERHEAD = NetlinkH.NLMSG_HDRLEN + NfnetlinkH.NFGENMSG_LEN
            + NetlinkH.NLA_HDRLEN + VERDICT_HDR_LEN + NetlinkH.NLA_HDRLEN + 4 + NetlinkH.NLA_HDRLEN + 3;

    private final MemorySegment buf;
    private int position;
    private int count;

    public NfqVerdictWriter(MemorySegment buf) {
        this.buf = buf;
    }

    public MemorySegment buffer() { return buf; }

    /** Bytes written since the last {@link #reset}. */
    public int length() { return position; }

    /** Messages written since the last {@link #reset}. */
    public int count() { return count; }

    public void reset() {
        position = 0;
        count = 0;
    }

    /** Whether a verdict replacing the packet with {@code payloadLength} bytes still fits. */
    public boolean fits(int payloadLength) {
        return buf.byteSize() - position >= MAX_OVERHEAD + (long) payloadLength;
    }

    /**
     * Appends a verdict on one packet.
     *
     * @param mark    the new packet mark, or {@code null} to leave it
     * @param payload the replacement packet, or {@code null} to keep it
     */
    public NfqVerdictWriter verdict(int seq, int queue, int packetId, int verdict, Integer mark, MemorySegment payload) {
        return write(NFQNL_MSG_VERDICT, seq, queue, packetId, verdict, mark != null, mark == null ? 0 : mark, payload);
    }

    /** {@link #verdict} without boxing: {@code hasMark} says whether {@code mark} is sent. */
    public NfqVerdictWriter verdict(int seq, int queue, int packetId, int verdict, boolean hasMark, int mark,
                                    MemorySegment payload) {
        return write(NFQNL_MSG_VERDICT, seq, queue, packetId, verdict, hasMark, mark, payload);
    }

    /** Appends one verdict for every packet queued with an id up to {@code maxPacketId}. */
    public NfqVerdictWriter batch(int seq, int queue, int maxPacketId, int verdict, boolean hasMark, int mark) {
        return write(NFQNL_MSG_VERDICT_BATCH, seq, queue, maxPacketId, verdict, hasMark, mark, null);
    }

    private NfqVerdictWriter write(int msg, int seq, int queue, int id, int verdict, boolean hasMark, int mark,
                                   MemorySegment payload) {
        int payloadLen = payload == null ? 0 : (int) payload.byteSize();
        if (payloadLen > MAX_PACKET) throw new IllegalArgumentException("replacement of " + payloadLen + " bytes exceeds " + MAX_PACKET);
        if (!fits(payloadLen)) throw new IllegalStateException("verdict buffer full");
        int start = position;
        int p = start + NetlinkH.NLMSG_HDRLEN;
        buf.set(ValueLayout.JAVA_BYTE, p, (byte) 0);                      // nfgen_family AF_UNSPEC
        buf.set(ValueLayout.JAVA_BYTE, p + 1, (byte) NfnetlinkH.NFNETLINK_V0);
        buf.set(BE_SHORT, p + 2, (short) queue);
        p += NfnetlinkH.NFGENMSG_LEN;
        p = attrHeader(p, NetlinkH.NLA_HDRLEN + VERDICT_HDR_LEN, NFQA_VERDICT_HDR);
        buf.set(BE_INT, p, verdict);
        buf.set(BE_INT, p + 4, id);
        p += VERDICT_HDR_LEN;
        if (hasMark) {
            p = attrHeader(p, NetlinkH.NLA_HDRLEN + 4, NFQA_MARK);
            buf.set(BE_INT, p, mark);
            p += 4;
        }
        if (payload != null) {
            p = attrHeader(p, NetlinkH.NLA_HDRLEN + payloadLen, NFQA_PAYLOAD);
            MemorySegment.copy(payload, 0, buf, p, payloadLen);
            p += payloadLen;
            int padded = NetlinkH.align(p);
            buf.asSlice(p, padded - p).fill((byte) 0);
            p = padded;
        }
        int len = p - start;
        buf.set(NATIVE_INT, start, len);
        buf.set(NATIVE_SHORT, start + 4, (short) NfnetlinkH.type(NfnetlinkH.NFNL_SUBSYS_QUEUE, msg));
        buf.set(NATIVE_SHORT, start + 6, (short) NetlinkH.NLM_F_REQUEST);
        buf.set(NATIVE_INT, start + 8, seq);
        buf.set(NATIVE_INT, start + 12, 0);
        position = p;
        count++;
        return this;
    }

    private int attrHeader(int p, int len, int type) {
        buf.set(NATIVE_SHORT, p, (short) len);
        buf.set(NATIVE_SHORT, p + 2, (short) type);
        return p + NetlinkH.NLA_HDRLEN;
    }
}
