package dev.netext.linux.nfqueue;

/**
 * Constants from {@code include/uapi/linux/netfilter/nfnetlink_queue.h}, {@code linux/netfilter.h} and
 * {@code linux/netfilter/nf_conntrack_common.h} (the ones the packet queue uses), named as there.
 *
 * <pre>
 * struct nfqnl_msg_packet_hdr   { __be32 packet_id; __be16 hw_protocol; __u8 hook; } __packed;   // 7 bytes
 * struct nfqnl_msg_verdict_hdr  { __be32 verdict; __be32 id; };                               // 8 bytes
 * struct nfqnl_msg_config_cmd   { __u8 command; __u8 _pad; __be16 pf; };                      // 4 bytes
 * struct nfqnl_msg_config_params{ __be32 copy_range; __u8 copy_mode; } __packed;              // 5 bytes
 * </pre>
 */
public final class NfqueueH {
    private NfqueueH() {}

    // enum nfqnl_msg_types
    public static final int NFQNL_MSG_PACKET = 0, NFQNL_MSG_VERDICT = 1, NFQNL_MSG_CONFIG = 2,
            NFQNL_MSG_VERDICT_BATCH = 3;

    public static final int PACKET_HDR_LEN = 7, VERDICT_HDR_LEN = 8, CONFIG_CMD_LEN = 4, CONFIG_PARAMS_LEN = 5;

    // enum nfqnl_attr_type
    public static final int NFQA_UNSPEC = 0, NFQA_PACKET_HDR = 1, NFQA_VERDICT_HDR = 2, NFQA_MARK = 3,
            NFQA_TIMESTAMP = 4, NFQA_IFINDEX_INDEV = 5, NFQA_IFINDEX_OUTDEV = 6, NFQA_IFINDEX_PHYSINDEV = 7,
            NFQA_IFINDEX_PHYSOUTDEV = 8, NFQA_HWADDR = 9, NFQA_PAYLOAD = 10, NFQA_CT = 11, NFQA_CT_INFO = 12,
            NFQA_CAP_LEN = 13, NFQA_SKB_INFO = 14, NFQA_EXP = 15, NFQA_UID = 16, NFQA_GID = 17,
            NFQA_SECCTX = 18, NFQA_VLAN = 19, NFQA_L2HDR = 20, NFQA_PRIORITY = 21;

    // enum nfqnl_msg_config_cmds
    public static final int NFQNL_CFG_CMD_NONE = 0, NFQNL_CFG_CMD_BIND = 1, NFQNL_CFG_CMD_UNBIND = 2,
            NFQNL_CFG_CMD_PF_BIND = 3, NFQNL_CFG_CMD_PF_UNBIND = 4;

    // enum nfqnl_config_mode
    public static final int NFQNL_COPY_NONE = 0, NFQNL_COPY_META = 1, NFQNL_COPY_PACKET = 2;

    // enum nfqnl_attr_config
    public static final int NFQA_CFG_UNSPEC = 0, NFQA_CFG_CMD = 1, NFQA_CFG_PARAMS = 2, NFQA_CFG_QUEUE_MAXLEN = 3,
            NFQA_CFG_MASK = 4, NFQA_CFG_FLAGS = 5;

    // flags for NFQA_CFG_FLAGS
    public static final int NFQA_CFG_F_FAIL_OPEN = 1, NFQA_CFG_F_CONNTRACK = 1 << 1, NFQA_CFG_F_GSO = 1 << 2,
            NFQA_CFG_F_UID_GID = 1 << 3, NFQA_CFG_F_SECCTX = 1 << 4;

    // flags for NFQA_SKB_INFO
    /** The checksum is not filled in yet (checksum offload on a locally generated packet); the packet is fine. */
    public static final int NFQA_SKB_CSUMNOTREADY = 1;
    /** The packet is a GSO super-packet larger than the device MTU; only delivered with {@link #NFQA_CFG_F_GSO}. */
    public static final int NFQA_SKB_GSO = 1 << 1;
    public static final int NFQA_SKB_CSUM_NOTVERIFIED = 1 << 2;

    // verdicts, linux/netfilter.h
    public static final int NF_DROP = 0, NF_ACCEPT = 1, NF_STOLEN = 2, NF_QUEUE = 3, NF_REPEAT = 4, NF_STOP = 5;

    // enum nf_inet_hooks, linux/netfilter.h
    public static final int NF_INET_PRE_ROUTING = 0, NF_INET_LOCAL_IN = 1, NF_INET_FORWARD = 2,
            NF_INET_LOCAL_OUT = 3, NF_INET_POST_ROUTING = 4;

    // enum ip_conntrack_info, linux/netfilter/nf_conntrack_common.h
    public static final int IP_CT_ESTABLISHED = 0, IP_CT_RELATED = 1, IP_CT_NEW = 2, IP_CT_ESTABLISHED_REPLY = 3,
            IP_CT_RELATED_REPLY = 4, IP_CT_UNTRACKED = 7;

    /** CTA_MARK inside NFQA_CT ({@code enum ctattr_type}, nfnetlink_conntrack.h). */
    public static final int CTA_MARK = 8;

    /** Size of the largest IP packet, and so of the largest payload the queue copies. */
    public static final int MAX_PACKET = 0xFFFF;
}
