package dev.netext.api.filter;

import dev.netext.api.Verdict;

import java.time.Duration;

/**
 * The verdict on a new flow: {@code NEFilterNewFlowVerdict}. Besides the {@linkplain FinalVerdict final} allow and
 * drop:
 * <ul>
 *   <li>{@link Pause}: hold the flow (no data moves) until {@link FilterControl#resume} or the timeout;</li>
 *   <li>{@link NeedRules}: fetch rules first ({@code needRulesVerdict}), then decide again;</li>
 *   <li>{@link FilterData}: decide after seeing data ({@code filterDataVerdict(withFilterInbound:...)}).</li>
 * </ul>
 * NE's {@code remediationVerdict} and URL-appended verdicts are omitted: they drive a browser block page on iOS and
 * have no Linux counterpart.
 */
public sealed interface FilterVerdict extends Verdict
        permits FinalVerdict, FilterVerdict.Pause, FilterVerdict.NeedRules, FilterVerdict.FilterData {

    /**
     * Hold the flow until {@link FilterControl#resume} is called with its id, or until {@code timeout} passes and
     * {@code onTimeout} applies. NE's paused flows wait forever; a bounded pause means a filter that forgets a flow
     * cannot hang an application.
     */
    record Pause(Duration timeout, FinalVerdict onTimeout) implements FilterVerdict {
        public static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

        public Pause {
            if (timeout == null || onTimeout == null) throw new IllegalArgumentException("timeout and onTimeout are required");
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0)
                throw new IllegalArgumentException("pause timeout " + timeout + " not in (0, " + MAX_TIMEOUT + "]");
        }
    }

    /**
     * The provider cannot decide without rules it does not have yet. The host holds the flow, calls
     * {@link FilterDataProvider#fetchRules} on a separate thread, then asks {@link FilterDataProvider#handleNewFlow}
     * again; a second {@code NeedRules} for the same flow, or a failing fetch, applies {@code fallback}.
     */
    record NeedRules(FinalVerdict fallback) implements FilterVerdict {
        public NeedRules {
            if (fallback == null) throw new IllegalArgumentException("fallback is null");
        }
    }

    /**
     * See up to {@code peekOutboundBytes} of what the application sends and {@code peekInboundBytes} of what it
     * receives before deciding; 0 means the direction is not filtered. Data arrives in
     * {@link FilterDataProvider#handleOutboundData} and {@link FilterDataProvider#handleInboundData}.
     */
    record FilterData(int peekInboundBytes, int peekOutboundBytes) implements FilterVerdict {
        /** The most a peek may buffer; the host holds that much per direction per flow. */
        public static final int MAX_PEEK = 1 << 20;

        public FilterData {
            checkPeek("peekInboundBytes", peekInboundBytes);
            checkPeek("peekOutboundBytes", peekOutboundBytes);
            if (peekInboundBytes == 0 && peekOutboundBytes == 0)
                throw new IllegalArgumentException("filtering no data in either direction is an allow verdict");
        }

        static void checkPeek(String what, long n) {
            if (n < 0 || n > MAX_PEEK) throw new IllegalArgumentException(what + " " + n + " outside 0.." + MAX_PEEK);
        }

        public boolean filtersInbound() { return peekInboundBytes > 0; }

        public boolean filtersOutbound() { return peekOutboundBytes > 0; }
    }

    static FilterVerdict allow() { return FinalVerdict.ALLOW; }

    static FilterVerdict drop() { return FinalVerdict.DROP; }

    static FilterVerdict drop(DropMode mode) { return new FinalVerdict.Drop(mode); }

    static FilterVerdict pause(Duration timeout, FinalVerdict onTimeout) { return new Pause(timeout, onTimeout); }

    static FilterVerdict needRules(FinalVerdict fallback) { return new NeedRules(fallback); }

    static FilterVerdict filterData(int peekInboundBytes, int peekOutboundBytes) {
        return new FilterData(peekInboundBytes, peekOutboundBytes);
    }
}
