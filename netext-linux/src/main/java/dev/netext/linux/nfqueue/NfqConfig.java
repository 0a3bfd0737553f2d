package dev.netext.linux.nfqueue;

/**
 * How a queue is bound.
 *
 * @param queue            the queue number, 0..65535 (the iptables {@code --queue-num})
 * @param maxLength        packets the kernel holds for user space before it drops (or, with {@code failOpen},
 *                         accepts) the rest: {@code NFQA_CFG_QUEUE_MAXLEN}
 * @param copyRange        bytes of each packet copied to user space ({@code NFQNL_COPY_PACKET}); 0xFFFF for all
 * @param failOpen         accept instead of drop when the queue is full ({@code NFQA_CFG_F_FAIL_OPEN})
 * @param gso              take GSO super-packets whole instead of having the kernel segment them first
 *                         ({@code NFQA_CFG_F_GSO}): far fewer packets per byte under bulk TCP
 * @param conntrack        ask for conntrack state and mark with each packet ({@code NFQA_CFG_F_CONNTRACK}); needs
 *                         {@code CONFIG_NETFILTER_NETLINK_GLUE_CT}, and is dropped silently when the kernel lacks it
 *                         ({@link NfQueue#conntrackInfo()} says which)
 * @param receiveBufferBytes the socket receive buffer ({@code SO_RCVBUFFORCE}): room for bursts
 */
public record NfqConfig(int queue, int maxLength, int copyRange, boolean failOpen, boolean gso, boolean conntrack,
                        int receiveBufferBytes) {

    public static final int DEFAULT_MAX_LENGTH = 4096;
    public static final int DEFAULT_RECEIVE_BUFFER = 8 << 20;

    public NfqConfig {
        if (queue < 0 || queue > 0xFFFF) throw new IllegalArgumentException("queue " + queue + " outside 0..65535");
        if (maxLength < 1) throw new IllegalArgumentException("maxLength must be positive");
        if (copyRange < 0 || copyRange > NfqueueH.MAX_PACKET) throw new IllegalArgumentException("copyRange outside 0..65535");
        if (receiveBufferBytes < 64 * 1024) throw new IllegalArgumentException("receive buffer below 64 KiB");
    }

    /** Whole packets, GSO on, conntrack asked for, default lengths. */
    public static NfqConfig of(int queue, boolean failOpen) {
        return new NfqConfig(queue, DEFAULT_MAX_LENGTH, NfqueueH.MAX_PACKET, failOpen, true, true, DEFAULT_RECEIVE_BUFFER);
    }

    public NfqConfig withConntrack(boolean on) {
        return new NfqConfig(queue, maxLength, copyRange, failOpen, gso, on, receiveBufferBytes);
    }

    /** The {@code NFQA_CFG_FLAGS} value. */
    public int flags() {
        return (failOpen ? NfqueueH.NFQA_CFG_F_FAIL_OPEN : 0) | (gso ? NfqueueH.NFQA_CFG_F_GSO : 0)
                | (conntrack ? NfqueueH.NFQA_CFG_F_CONNTRACK : 0);
    }
}
