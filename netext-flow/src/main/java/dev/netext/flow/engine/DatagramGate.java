package dev.netext.flow.engine;

import dev.netext.api.filter.DataVerdict;
import dev.netext.api.filter.FinalVerdict;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;

/**
 * One direction of a UDP flow whose data a filter watches ({@code FilterData}): {@link DataGate}'s datagram
 * counterpart. Offsets count the direction's payload bytes; a datagram is never split, so the filter sees whole
 * datagrams and its verdict passes or discards whole datagrams:
 * <ul>
 *   <li>a datagram lying wholly below the pass limit goes on unseen;</li>
 *   <li>otherwise it is shown: allow ends watching (it and the rest pass), drop ends the flow, pass N / peek M passes
 *       it when N covers it (it is discarded otherwise — holding datagrams back gains nothing on a lossy transport)
 *       and moves the pass limit to offset + N.</li>
 * </ul>
 * Runs on the flow's event loop only.
 */
final class DatagramGate {
    /** What happens to one datagram. */
    enum Outcome { PASS, DISCARD, DROP_FLOW }

    /** The filter's data handler for this direction. */
    @FunctionalInterface
    interface Inspector {
        DataVerdict inspect(long offset, ByteBuffer data);
    }

    private final Inspector inspector;
    private boolean watching;
    private FinalVerdict.Drop drop;
    private long offset;
    private long passLimit;

    /** {@code watch == false}: the direction is not filtered, every datagram passes. */
    DatagramGate(boolean watch, Inspector inspector) {
        this.watching = watch;
        this.inspector = inspector;
    }

    /** The drop verdict that ended the flow, once {@link #offer} returned {@link Outcome#DROP_FLOW}. */
    FinalVerdict.Drop drop() { return drop; }

    boolean watching() { return watching; }

    /** {@link #offer(ByteBuffer)} for a relayed buffer: a view of it is made only when the filter is to see it. */
    Outcome offer(ByteBuf data) {
        if (drop != null || watching) return offer(data.nioBuffer());
        offset += data.readableBytes();
        return Outcome.PASS;
    }

    /**
     * Passes {@code data} (a train of datagrams) unseen if nothing judges this direction's datagrams now, counting its
     * bytes; false: each datagram of it is to be {@linkplain #offer offered} alone.
     */
    boolean passUnseen(ByteBuf data) {
        if (drop != null || watching) return false;
        offset += data.readableBytes();
        return true;
    }

    /** Decides one datagram; {@code data} is a view valid during the call (shown read-only). */
    Outcome offer(ByteBuffer data) {
        if (drop != null) return Outcome.DROP_FLOW;
        int len = data.remaining();
        long at = offset;
        offset += len;
        if (!watching || at + len <= passLimit) return Outcome.PASS;
        DataVerdict v;
        try {
            v = inspector.inspect(at, data.asReadOnlyBuffer());
        } catch (RuntimeException e) {
            v = FinalVerdict.ALLOW; // a throwing filter gets the failure verdict: allow
        }
        return switch (v) {
            case FinalVerdict.Allow a -> {
                watching = false;
                yield Outcome.PASS;
            }
            case FinalVerdict.Drop d -> {
                drop = d;
                yield Outcome.DROP_FLOW;
            }
            case DataVerdict.PassAndPeek p -> {
                passLimit = at + p.passBytes();
                yield p.passBytes() >= len ? Outcome.PASS : Outcome.DISCARD;
            }
        };
    }
}
