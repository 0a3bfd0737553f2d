package dev.netext.linux.nflog;

import dev.netext.linux.nfqueue.NfnetlinkH;

/**
 * {@code linux/netfilter/nfnetlink_log.h}: the nfnetlink_log subsystem that nftables' {@code log group N} (and
 * iptables' {@code NFLOG}) hands packets to. Names as in the header.
 */
public final class NflogH {
    private NflogH() {}

    public static final int NFNL_SUBSYS_ULOG = 4;

    // enum nfulnl_msg_types
    public static final int NFULNL_MSG_PACKET = 0, NFULNL_MSG_CONFIG = 1;

    // enum nfulnl_attr_type (packets)
    public static final int NFULA_PACKET_HDR = 1, NFULA_MARK = 2, NFULA_TIMESTAMP = 3, NFULA_IFINDEX_INDEV = 4,
            NFULA_IFINDEX_OUTDEV = 5, NFULA_PAYLOAD = 9, NFULA_PREFIX = 10, NFULA_SEQ = 12;

    // enum nfulnl_attr_config
    public static final int NFULA_CFG_CMD = 1, NFULA_CFG_MODE = 2, NFULA_CFG_NLBUFSIZ = 3, NFULA_CFG_TIMEOUT = 4,
            NFULA_CFG_QTHRESH = 5, NFULA_CFG_FLAGS = 6;

    // enum nfulnl_msg_config_cmds
    public static final int NFULNL_CFG_CMD_BIND = 1, NFULNL_CFG_CMD_UNBIND = 2;

    public static final int NFULNL_COPY_PACKET = 0x02;

    /** {@code struct nfulnl_msg_packet_hdr}: __be16 hw_protocol, __u8 hook, __u8 _pad. */
    public static final int PACKET_HDR_LEN = 4;
    /** {@code struct nfulnl_msg_packet_timestamp}: __aligned_be64 sec, __aligned_be64 usec. */
    public static final int TIMESTAMP_LEN = 16;
    /** {@code struct nfulnl_msg_config_mode}: __be32 copy_range, __u8 copy_mode, __u8 _pad (padded to 8 by nla). */
    public static final int CONFIG_MODE_LEN = 6;

    /** The netlink message type of a logged packet. */
    public static final int PACKET_TYPE = NfnetlinkH.type(NFNL_SUBSYS_ULOG, NFULNL_MSG_PACKET);
    public static final int CONFIG_TYPE = NfnetlinkH.type(NFNL_SUBSYS_ULOG, NFULNL_MSG_CONFIG);

    /** Group numbers are 16 bits (the nfgenmsg res_id). */
    public static final int MAX_GROUP = 0xffff;
}
