package dev.netext.api.filter;

/**
 * A verdict that ends filtering of a flow: allow the rest, or drop it. Both a {@link FilterVerdict} and a
 * {@link DataVerdict}, because NE's {@code allowVerdict()} and {@code dropVerdict()} exist on both
 * {@code NEFilterNewFlowVerdict} and {@code NEFilterDataVerdict} with the same meaning.
 */
public sealed interface FinalVerdict extends FilterVerdict, DataVerdict {

    /** Let the flow, and all its remaining data, pass unfiltered. */
    record Allow() implements FinalVerdict {}

    /** End the flow. */
    record Drop(DropMode mode) implements FinalVerdict {
        public Drop {
            if (mode == null) throw new IllegalArgumentException("mode is null");
        }
    }

    FinalVerdict ALLOW = new Allow();
    FinalVerdict DROP = new Drop(DropMode.RESET);
    FinalVerdict DROP_SILENTLY = new Drop(DropMode.SILENT);
}
