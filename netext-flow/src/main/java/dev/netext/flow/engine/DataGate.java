package dev.netext.flow.engine;

import dev.netext.api.filter.DataVerdict;
import dev.netext.api.filter.FinalVerdict;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.ByteBuffer;

/**
 * One direction of a flow whose data a filter watches ({@code FilterData} / {@code PassAndPeek}). Bytes arrive in
 * stream order; those below {@code passLimit} go on without being shown, the rest are held until the filter has seen
 * them and passed them. Once the filter allows, everything flows without copies; once it drops, nothing does.
 *
 * <p>A peek of {@code want} bytes is shown when that many are held, or at the end of a read burst with what is there
 * (a request shorter than the peek must not stall). A peek that passed nothing is asked again only when new bytes
 * arrived. Runs on the flow's event loop only.
 */
final class DataGate {
    /** Where bytes go, and what a drop does. */
    interface Sink {
        void forward(ByteBuf bytes);

        void drop(FinalVerdict.Drop verdict);
    }

    /** The filter's data handler for this direction. */
    @FunctionalInterface
    interface Inspector {
        DataVerdict inspect(long offset, ByteBuffer data);
    }

    private enum Mode { FILTERING, ALLOWED, DROPPED }

    private final Sink sink;
    private final Inspector inspector;
    private final ByteBuf held;
    private Mode mode;
    private long heldStart;
    private long passLimit;
    private int want;
    private long shownUpTo;

    /** A gate that shows the first {@code peek} bytes; {@code peek == 0} means the direction is not filtered. */
    DataGate(int peek, Sink sink, Inspector inspector, ByteBufAllocator alloc) {
        this.sink = sink;
        this.inspector = inspector;
        this.want = peek;
        this.mode = peek == 0 ? Mode.ALLOWED : Mode.FILTERING;
        this.held = peek == 0 ? null : alloc.heapBuffer(Math.min(peek, 64 * 1024));
    }

    boolean allowed() { return mode == Mode.ALLOWED; }

    boolean dropped() { return mode == Mode.DROPPED; }

    /** Bytes held now (for tests and accounting). */
    int heldBytes() { return held == null ? 0 : held.readableBytes(); }

    /** Takes ownership of {@code bytes}. */
    void onData(ByteBuf bytes) {
        switch (mode) {
            case ALLOWED -> sink.forward(bytes);
            case DROPPED -> bytes.release();
            case FILTERING -> {
                held.writeBytes(bytes);
                bytes.release();
                pump(false);
            }
        }
    }

    /** The end of a read burst: show whatever is held, even less than the peek asked. */
    void onBurstEnd() {
        if (mode == Mode.FILTERING) pump(true);
    }

    private void pump(boolean burstEnd) {
        while (mode == Mode.FILTERING) {
            if (heldStart < passLimit && held.isReadable()) {
                int n = (int) Math.min(held.readableBytes(), passLimit - heldStart);
                sink.forward(held.readBytes(n)); // a copy: held's storage is reused
                heldStart += n;
                continue;
            }
            int available = held.readableBytes();
            if (available == 0) { compact(); return; }
            if (heldStart + available <= shownUpTo) return; // nothing new since the last look
            int need = want == 0 ? 1 : want;
            if (available < need && !burstEnd) return;
            int show = want == 0 ? available : Math.min(available, want);
            ByteBuffer view = held.nioBuffer(held.readerIndex(), show).asReadOnlyBuffer();
            DataVerdict v;
            try {
                v = inspector.inspect(heldStart, view);
            } catch (RuntimeException e) {
                v = FinalVerdict.ALLOW; // a throwing filter gets the failure verdict: allow
            }
            shownUpTo = heldStart + show;
            switch (v) {
                case FinalVerdict.Allow a -> {
                    mode = Mode.ALLOWED;
                    if (held.isReadable()) sink.forward(held.readBytes(held.readableBytes()));
                    held.release();
                }
                case FinalVerdict.Drop d -> {
                    mode = Mode.DROPPED;
                    held.release();
                    sink.drop(d);
                }
                case DataVerdict.PassAndPeek p -> {
                    passLimit = heldStart + p.passBytes();
                    want = p.peekBytes();
                }
            }
        }
    }

    private void compact() {
        held.discardReadBytes();
    }

    /** Releases held bytes (the flow closed). */
    void close() {
        if (mode == Mode.FILTERING) {
            mode = Mode.DROPPED;
            held.release();
        }
    }
}
