package dev.netext.linux.nfqueue;

/**
 * The bits of the packet mark and the conntrack mark that netext's packet filter owns: one 3-bit field,
 * {@link #FIELD_MASK} ({@code 0x00070000}), chosen clear of the tunnel's bypass marks ({@code 0x4e58_0000 | n}).
 *
 * <ul>
 *   <li>In a queued packet's mark the field carries its conntrack state, set by the steering rules just before the
 *       {@code NFQUEUE} target (the kernel here has no conntrack glue for the queue, so {@code NFQA_CT_INFO} never
 *       comes); the verdict clears it again.</li>
 *   <li>A verdict of {@code NF_REPEAT} with the field set to {@link #DECIDED_ACCEPT} or {@link #DECIDED_DROP} sends
 *       the packet through the chain once more, where it is saved into the connection's mark; from then on the
 *       connection's packets are accepted or dropped in the kernel without reaching the queue: the flow cache.</li>
 * </ul>
 */
public final class QueueMarks {
    private QueueMarks() {}

    public static final int FIELD_SHIFT = 16;
    public static final int FIELD_MASK = 0x7 << FIELD_SHIFT;

    public static final int STATE_NONE = 0, STATE_NEW = 1, STATE_ESTABLISHED = 2, STATE_RELATED = 3,
            STATE_INVALID = 4, STATE_UNTRACKED = 5, DECIDED_ACCEPT = 6, DECIDED_DROP = 7;

    /**
     * The packet mark ({@code SO_MARK}) that exempts a packet filter provider's own sockets from its queue: inside
     * netext's "NX" range ({@code 0x4e58_xxxx}) above the tunnel's bypass marks ({@code 0x4e58_0000 + 0..999}).
     */
    public static final int BYPASS_MARK = 0x4e58_03ff;

    /** Both decided values have these bits; no state value has both. */
    static final int DECIDED_BITS = DECIDED_ACCEPT << FIELD_SHIFT;

    /** The field's value in {@code mark}. */
    public static int field(int mark) { return (mark & FIELD_MASK) >>> FIELD_SHIFT; }

    /** {@code mark} with the field set to {@code value}. */
    public static int with(int mark, int value) { return (mark & ~FIELD_MASK) | (value << FIELD_SHIFT); }

    /** {@code mark} with the field cleared: the mark the packet had before the steering rules. */
    public static int cleared(int mark) { return mark & ~FIELD_MASK; }

    static String hex(int value) { return "0x" + Integer.toHexString(value); }

    /** {@code value/mask} as iptables writes it. */
    static String valueMask(int fieldValue) { return hex(fieldValue << FIELD_SHIFT) + "/" + hex(FIELD_MASK); }
}
