package dev.netext.linux.netlink;

import java.nio.ByteBuffer;

import static dev.netext.linux.netlink.NetlinkH.NLMSGERR_ATTR_MSG;
import static dev.netext.linux.netlink.NetlinkH.NLMSGERR_ATTR_OFFS;
import static dev.netext.linux.netlink.NetlinkH.NLMSG_ERROR;
import static dev.netext.linux.netlink.NetlinkH.NLMSG_HDRLEN;
import static dev.netext.linux.netlink.NetlinkH.NLM_F_ACK_TLVS;
import static dev.netext.linux.netlink.NetlinkH.NLM_F_CAPPED;

/**
 * The payload of an {@code NLMSG_ERROR} message, {@code struct nlmsgerr} in {@code linux/netlink.h}: {@code error} is
 * 0 for an ACK or a negative errno; {@code msg} is the header of the request it answers; unless the ACK has
 * {@code NLM_F_CAPPED} the request's payload follows; with {@code NLM_F_ACK_TLVS} the extended-ACK attributes follow
 * that ({@code NLMSGERR_ATTR_MSG}: the kernel's text for the error; {@code NLMSGERR_ATTR_OFFS}: offset of the
 * offending attribute in the request).
 *
 * @param errno         positive errno, 0 for an ACK
 * @param requestType   {@code nlmsg_type} of the request
 * @param requestSeq    {@code nlmsg_seq} of the request
 * @param message       the kernel's extended-ACK text, or null
 * @param offset        the extended-ACK offset into the request, or -1
 */
public record NlError(int errno, int requestType, int requestSeq, String message, int offset) {

    public boolean isAck() { return errno == 0; }

    static NlError parse(NlMessage m) {
        if (m.type() != NLMSG_ERROR) throw new IllegalArgumentException("not NLMSG_ERROR: " + m);
        ByteBuffer p = m.payload();
        m.requirePayload(4 + NLMSG_HDRLEN);
        int error = p.getInt(0);
        int reqLen = p.getInt(4);
        int reqType = Short.toUnsignedInt(p.getShort(8));
        int reqSeq = p.getInt(12);
        String text = null;
        int offs = -1;
        if (m.hasFlag(NLM_F_ACK_TLVS)) {
            long tlvStart = 4 + (m.hasFlag(NLM_F_CAPPED) ? NLMSG_HDRLEN : Integer.toUnsignedLong(reqLen));
            tlvStart = (tlvStart + 3) & ~3L;
            if (tlvStart < p.limit()) {
                NlAttributes tlvs = NlAttributes.parse(p.slice((int) tlvStart, p.limit() - (int) tlvStart));
                text = tlvs.string(NLMSGERR_ATTR_MSG);
                if (text != null && text.isEmpty()) text = null;
                offs = tlvs.u32(NLMSGERR_ATTR_OFFS, -1);
            }
        }
        // errno is -error; Integer.MIN_VALUE has no positive counterpart, so clamp garbage to a plain int.
        int errno = error == Integer.MIN_VALUE ? Integer.MAX_VALUE : Math.abs(error);
        return new NlError(errno, reqType, reqSeq, text, offs);
    }
}
