package dev.netext.linux.nflog;

import dev.netext.linux.netlink.NetlinkH;
import dev.netext.linux.netlink.NlMessageBuilder;
import dev.netext.linux.nfqueue.NfnetlinkH;

import java.nio.ByteBuffer;

import static dev.netext.linux.nflog.NflogH.*;

/**
 * The {@code NFULNL_MSG_CONFIG} requests, each acknowledged ({@code NLM_F_ACK}) so a refusal surfaces as an errno
 * ({@code EPERM}: another socket holds the group, or no CAP_NET_ADMIN):
 * <ul>
 *   <li>{@link #bind}: {@code NFULA_CFG_CMD{BIND}} for the group, copy mode packet with {@code copy_range} bytes,
 *       {@code NFULA_CFG_QTHRESH} 1 and {@code NFULA_CFG_TIMEOUT} 0 — every packet goes out at once, not batched
 *       for up to a second (the kernel's default is 100 packets or 1 s);</li>
 *   <li>{@link #unbind}.</li>
 * </ul>
 */
public final class NflogConfigRequests {
    private NflogConfigRequests() {}

    private static final int FLAGS = NetlinkH.NLM_F_REQUEST | NetlinkH.NLM_F_ACK;

    public static ByteBuffer bind(int seq, int group, int copyRange) {
        NlMessageBuilder b = header(group);
        b.attr(NFULA_CFG_CMD, new byte[] {(byte) NFULNL_CFG_CMD_BIND});
        b.attr(NFULA_CFG_MODE, ByteBuffer.allocate(CONFIG_MODE_LEN).putInt(copyRange).put((byte) NFULNL_COPY_PACKET).array());
        b.attr(NFULA_CFG_QTHRESH, be32(1));
        b.attr(NFULA_CFG_TIMEOUT, be32(0));
        return b.build(seq, 0);
    }

    public static ByteBuffer unbind(int seq, int group) {
        return header(group).attr(NFULA_CFG_CMD, new byte[] {(byte) NFULNL_CFG_CMD_UNBIND}).build(seq, 0);
    }

    /** {@code struct nfgenmsg}: family AF_UNSPEC, version, res_id = the group (big endian). */
    private static NlMessageBuilder header(int group) {
        if (group < 0 || group > MAX_GROUP) throw new IllegalArgumentException("nflog group " + group + " outside 0.." + MAX_GROUP);
        return new NlMessageBuilder(CONFIG_TYPE, FLAGS).u8(0).u8(NfnetlinkH.NFNETLINK_V0).u8(group >>> 8).u8(group);
    }

    private static byte[] be32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }
}
