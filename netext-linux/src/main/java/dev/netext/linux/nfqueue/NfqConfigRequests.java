package dev.netext.linux.nfqueue;

import dev.netext.linux.netlink.NetlinkH;
import dev.netext.linux.netlink.NlMessageBuilder;

import java.nio.ByteBuffer;

import static dev.netext.linux.nfqueue.NfqueueH.*;

/**
 * The {@code NFQNL_MSG_CONFIG} requests, each acknowledged ({@code NLM_F_ACK}) so a refusal surfaces as an errno:
 * <ul>
 *   <li>{@link #bind}: {@code NFQA_CFG_CMD{NFQNL_CFG_CMD_BIND}}, {@code NFQA_CFG_PARAMS{copy_range, NFQNL_COPY_PACKET}}
 *       and {@code NFQA_CFG_QUEUE_MAXLEN} in one message (the kernel applies the command first);</li>
 *   <li>{@link #flags}: {@code NFQA_CFG_MASK} and {@code NFQA_CFG_FLAGS}, separately, so that a kernel refusing one
 *       flag ({@code EOPNOTSUPP} for conntrack without the glue) leaves the binding intact;</li>
 *   <li>{@link #unbind}.</li>
 * </ul>
 */
public final class NfqConfigRequests {
    private NfqConfigRequests() {}

    private static final int TYPE = NfnetlinkH.type(NfnetlinkH.NFNL_SUBSYS_QUEUE, NFQNL_MSG_CONFIG);
    private static final int FLAGS = NetlinkH.NLM_F_REQUEST | NetlinkH.NLM_F_ACK;
    /** Every flag netext sets or clears; others are left as they are. */
    public static final int FLAG_MASK = NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO | NFQA_CFG_F_CONNTRACK;

    public static ByteBuffer bind(int seq, NfqConfig c) {
        NlMessageBuilder b = header(c.queue());
        b.attr(NFQA_CFG_CMD, command(NFQNL_CFG_CMD_BIND));
        b.attr(NFQA_CFG_PARAMS, ByteBuffer.allocate(CONFIG_PARAMS_LEN).putInt(c.copyRange()).put((byte) NFQNL_COPY_PACKET).array());
        b.attr(NFQA_CFG_QUEUE_MAXLEN, be32(c.maxLength()));
        return b.build(seq, 0);
    }

    public static ByteBuffer flags(int seq, int queue, int mask, int flags) {
        return header(queue).attr(NFQA_CFG_MASK, be32(mask)).attr(NFQA_CFG_FLAGS, be32(flags)).build(seq, 0);
    }

    public static ByteBuffer unbind(int seq, int queue) {
        return header(queue).attr(NFQA_CFG_CMD, command(NFQNL_CFG_CMD_UNBIND)).build(seq, 0);
    }

    private static NlMessageBuilder header(int queue) {
        return new NlMessageBuilder(TYPE, FLAGS).u8(0).u8(NfnetlinkH.NFNETLINK_V0).u8(queue >>> 8).u8(queue);
    }

    /** {@code struct nfqnl_msg_config_cmd}; pf is ignored by kernels since 3.8 and sent as AF_UNSPEC. */
    private static byte[] command(int cmd) {
        return new byte[] {(byte) cmd, 0, 0, 0};
    }

    private static byte[] be32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }
}
