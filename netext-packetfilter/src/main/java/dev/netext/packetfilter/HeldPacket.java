package dev.netext.packetfilter;

import dev.netext.api.filter.DelayedPacket;
import dev.netext.api.filter.PacketVerdict;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A delayed packet ({@link PacketVerdict.Delay}): a copy of its bytes and the token its verdict needs. Exactly one of
 * allow, drop, modify or expiry wins; the others return false.
 */
final class HeldPacket implements DelayedPacket {
    private final PacketDecider owner;
    private final long token;
    private final ByteBuffer copy;
    final PacketMeta meta = new PacketMeta();
    private final AtomicBoolean pending = new AtomicBoolean(true);
    final long heldAtNanos = System.nanoTime();

    HeldPacket(PacketDecider owner, long token, ByteBuffer packet, PacketMeta from) {
        this.owner = owner;
        this.token = token;
        this.copy = ByteBuffer.allocate(packet.remaining()).put(packet.duplicate()).flip().asReadOnlyBuffer();
        meta.set(from.direction, from.interfaceName, from.conntrackState, from.conntrackMark);
    }

    @Override public ByteBuffer packet() { return copy.duplicate(); }

    @Override public boolean allow() { return finish(true, null, false); }

    @Override public boolean drop() { return finish(false, null, false); }

    @Override
    public boolean modify(PacketVerdict.Modify replacement) {
        if (replacement == null) throw new IllegalArgumentException("replacement is null");
        return finish(true, replacement, false);
    }

    /** Drops the packet when it was held too long; false if it had been released. */
    boolean expire() { return finish(false, null, true); }

    /** Forgets the packet without a verdict: its decision was made another way (a failed handle call). */
    void discard() { pending.set(false); }

    @Override public boolean isPending() { return pending.get(); }

    private boolean finish(boolean accept, PacketVerdict.Modify replacement, boolean expired) {
        if (!pending.compareAndSet(true, false)) return false;
        owner.released(this, token, accept, replacement, expired);
        return true;
    }
}
