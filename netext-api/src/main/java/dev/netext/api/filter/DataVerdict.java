package dev.netext.api.filter;

import dev.netext.api.Verdict;

/**
 * The verdict on a chunk of a flow's data: {@code NEFilterDataVerdict}. {@linkplain FinalVerdict Allow or drop} end
 * filtering of the flow; {@link PassAndPeek} lets some bytes through and asks to see more.
 */
public sealed interface DataVerdict extends Verdict permits FinalVerdict, DataVerdict.PassAndPeek {

    /**
     * Pass {@code passBytes} bytes counted from the offset of the data just handled (they may extend past it: bytes
     * not yet seen are then passed without being shown), then show the next {@code peekBytes} bytes (0: whatever
     * arrives next, however little):
     * {@code dataVerdict(withPassBytes:peekBytes:)}. Data not passed stays held.
     */
    record PassAndPeek(long passBytes, int peekBytes) implements DataVerdict {
        public PassAndPeek {
            if (passBytes < 0) throw new IllegalArgumentException("passBytes " + passBytes + " is negative");
            FilterVerdict.FilterData.checkPeek("peekBytes", peekBytes);
            if (passBytes == 0 && peekBytes == 0)
                throw new IllegalArgumentException("passing and peeking nothing would stall the flow");
        }
    }

    static DataVerdict allow() { return FinalVerdict.ALLOW; }

    static DataVerdict drop() { return FinalVerdict.DROP; }

    static DataVerdict passAndPeek(long passBytes, int peekBytes) { return new PassAndPeek(passBytes, peekBytes); }
}
