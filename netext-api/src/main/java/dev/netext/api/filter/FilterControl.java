package dev.netext.api.filter;

/**
 * Decisions a filter makes outside {@code handle…} calls: NE's {@code resumeFlow(_:with:)} and
 * {@code apply(_:completionHandler:)}. Thread-safe, and separate from the context so it can be handed to the
 * component that decides asynchronously (a user prompt, a policy server client) without the rest of the context.
 */
public interface FilterControl {

    /**
     * Resumes a flow paused with {@link FilterVerdict.Pause}. {@code verdict} may be final or
     * {@link FilterVerdict.FilterData}; it may not pause again.
     *
     * @return {@code false} if the flow is no longer paused (it timed out, closed, or was resumed already)
     * @throws IllegalArgumentException for a {@code Pause} or {@code NeedRules} verdict
     */
    boolean resume(long flowId, FilterVerdict verdict);

    /** Replaces the filter settings, blocking until the kernel fast path uses them. Flows already decided keep their verdict. */
    void applySettings(FilterSettings settings);
}
