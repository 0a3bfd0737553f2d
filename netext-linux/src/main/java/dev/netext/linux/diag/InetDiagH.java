package dev.netext.linux.diag;

/**
 * Constants and struct layouts from {@code include/uapi/linux/sock_diag.h} and {@code linux/inet_diag.h}, named as
 * there.
 *
 * <pre>
 * struct inet_diag_sockid {                 struct inet_diag_req_v2 {          struct inet_diag_msg {
 *   __be16 idiag_sport;       //  0           __u8  sdiag_family;    // 0        __u8  idiag_family;   //  0
 *   __be16 idiag_dport;       //  2           __u8  sdiag_protocol;  // 1        __u8  idiag_state;    //  1
 *   __be32 idiag_src[4];      //  4           __u8  idiag_ext;       // 2        __u8  idiag_timer;    //  2
 *   __be32 idiag_dst[4];      // 20           __u8  pad;             // 3        __u8  idiag_retrans;  //  3
 *   __u32  idiag_if;          // 36           __u32 idiag_states;    // 4        struct inet_diag_sockid id; // 4
 *   __u32  idiag_cookie[2];   // 40           struct inet_diag_sockid id; // 8   __u32 idiag_expires;  // 52
 * };                          // 48 bytes   };                       // 56      __u32 idiag_rqueue;   // 56
 *                                                                               __u32 idiag_wqueue;   // 60
 *                                                                               __u32 idiag_uid;      // 64
 *                                                                               __u32 idiag_inode;    // 68
 *                                                                             };                      // 72
 * </pre>
 */
public final class InetDiagH {
    private InetDiagH() {}

    /** {@code socket(AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG)}; {@code NETLINK_INET_DIAG} is its old name. */
    public static final int NETLINK_SOCK_DIAG = 4;
    /** {@code nlmsg_type} of requests and replies carrying {@code inet_diag_req_v2} / {@code inet_diag_msg}. */
    public static final int SOCK_DIAG_BY_FAMILY = 20;
    /**
     * {@code SOCK_DESTROY}: the kernel aborts the one socket an {@code inet_diag_req_v2} names ({@code tcp_abort}:
     * its owner's next call fails with {@code ECONNABORTED}, the peer gets a reset). Needs
     * {@code CONFIG_INET_DIAG_DESTROY} and {@code CAP_NET_ADMIN}; what {@code ss -K} sends.
     */
    public static final int SOCK_DESTROY = 21;

    /** {@code INET_DIAG_NOCOOKIE}: {@code idiag_cookie} value meaning "do not check the cookie". */
    public static final int INET_DIAG_NOCOOKIE = ~0;

    public static final int AF_INET = 2, AF_INET6 = 10;
    public static final int IPPROTO_TCP = 6, IPPROTO_UDP = 17;

    /** Sizes. */
    public static final int INET_DIAG_SOCKID_SIZE = 48, INET_DIAG_REQ_V2_SIZE = 56, INET_DIAG_MSG_SIZE = 72;

    /** Offsets in {@code inet_diag_msg}. */
    public static final int MSG_FAMILY = 0, MSG_STATE = 1, MSG_ID = 4, MSG_UID = 64, MSG_INODE = 68;
    /** Offsets in {@code inet_diag_sockid}. */
    public static final int ID_SPORT = 0, ID_DPORT = 2, ID_SRC = 4, ID_DST = 20, ID_IF = 36, ID_COOKIE = 40;

    /** TCP states ({@code include/net/tcp_states.h}) that matter here. */
    public static final int TCP_ESTABLISHED = 1, TCP_SYN_SENT = 2, TCP_TIME_WAIT = 6, TCP_CLOSE = 7, TCP_LISTEN = 10,
            TCP_NEW_SYN_RECV = 12;
    /** {@code idiag_states} bitmask: every state. */
    public static final int ALL_STATES = ~0;
}
