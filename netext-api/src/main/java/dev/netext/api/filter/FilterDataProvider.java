package dev.netext.api.filter;

import dev.netext.api.Provider;
import dev.netext.api.flow.Flow;
import dev.netext.api.tunnel.StopReason;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;

/**
 * A content filter on flows: {@code NEFilterDataProvider}. The host shows the provider each new flow that its
 * {@link FilterSettings} send to it, then, if asked with {@link FilterVerdict.FilterData}, the flow's bytes, until a
 * {@link FinalVerdict} ends filtering.
 *
 * <p>What netext adds: the flow carries the process even when NE's audit token would be empty and the hostname even
 * when the application connected by address ({@link Flow#process()}, {@link Flow#hostname()}); pauses are bounded;
 * drops say whether the application sees a reset; the provider is a plain interface that a unit test can call.
 *
 * <p>Threads: the host calls the {@code handle…} methods from several threads at once, but never concurrently for
 * the same flow and direction; a flow's outbound calls arrive in offset order, as do its inbound ones. The flow is
 * held while a call runs: decide quickly, or {@linkplain FilterVerdict.Pause pause} and decide elsewhere.
 */
public interface FilterDataProvider extends Provider {

    /** Starts the filter: {@code startFilter(completionHandler:)}. Apply settings from here. */
    void startFilter(FilterContext context, Map<String, Object> options) throws Exception;

    /** Stops the filter. Flows it was filtering are allowed from then on. */
    void stopFilter(StopReason reason) throws Exception;

    /** The verdict on a new flow. A call that throws applies the profile's failure verdict (by default, allow). */
    FilterVerdict handleNewFlow(Flow flow);

    /**
     * Whether {@link #handleNewFlow} looks at {@link Flow#process()}. A filter that does not (its rules name hosts,
     * addresses and ports only) answers false: the host then decides without waiting for process attribution, and
     * the flow it is shown carries {@link dev.netext.api.flow.ProcessInfo#UNKNOWN} unless attribution was already
     * done (the flow's events still carry the process). Asked per flow on the host's I/O thread: answer at once.
     * Default: true.
     */
    default boolean needsProcess() { return true; }

    /**
     * Whether {@link #handleNewFlow} returns within microseconds without blocking (no I/O, no waiting on locks or
     * other threads). The host then calls it on the flow's own I/O thread instead of handing each new flow to a
     * thread of its own and back. Default: false.
     */
    default boolean decidesInline() { return false; }

    /**
     * The path {@code opening} takes, asked once per flow as its first packet (a TCP SYN) leaves, before anything is
     * connected (unless {@link #pathWithoutProcess} answered): {@code opening} carries the remote, the DNS map's name
     * if any, and the process when {@link #needsProcess} (not yet the name in the flow's own bytes, nor the flow's
     * id: the terminated path gives it one of its own). Answer {@link FlowPath#VERDICT} when {@link #handleNewFlow}
     * will give a final verdict from the opening bytes without a long pause; the host then judges the flow without
     * terminating it. Asked on the host's I/O thread (a daemon's supervised provider too): answer at once, without
     * blocking. Default: {@link FlowPath#TERMINATED}, which every filter can use.
     */
    default FlowPath pathFor(Flow opening) { return FlowPath.TERMINATED; }

    /**
     * The path {@code opening} takes whatever process opened it, if this filter can tell before attribution
     * ({@code opening} carries {@link dev.netext.api.flow.ProcessInfo#UNKNOWN}), else empty. Asked first, as the SYN
     * leaves, when the filter {@link #needsProcess}: an answer lets the SYN go at once instead of waiting for the
     * process (the flow is still judged with it); empty, and {@link #pathFor} is asked once the process is known.
     * Asked on the host's I/O thread, as {@link #pathFor}. Default: empty.
     */
    default Optional<FlowPath> pathWithoutProcess(Flow opening) { return Optional.empty(); }

    /**
     * Data the local application sent, starting at stream {@code offset}; {@code data} is a read-only view valid only
     * during the call. Called only for flows given {@link FilterVerdict.FilterData} with outbound peeking.
     */
    default DataVerdict handleOutboundData(Flow flow, long offset, ByteBuffer data) { return DataVerdict.allow(); }

    /** Data the local application is about to receive; as {@link #handleOutboundData}. */
    default DataVerdict handleInboundData(Flow flow, long offset, ByteBuffer data) { return DataVerdict.allow(); }

    /** The application finished sending (FIN) while its outbound data was filtered. */
    default FinalVerdict handleOutboundDataComplete(Flow flow) { return FinalVerdict.ALLOW; }

    /** The remote finished sending while the inbound data was filtered. */
    default FinalVerdict handleInboundDataComplete(Flow flow) { return FinalVerdict.ALLOW; }

    /**
     * Fetches the rules needed to decide {@code flow} after {@link FilterVerdict.NeedRules}: NE's round trip through
     * {@code NEFilterControlProvider}, which netext does not need as a separate provider. Runs on a host thread of its
     * own and may block on the network; {@link #handleNewFlow} is asked again when it returns.
     */
    default void fetchRules(Flow flow) throws Exception {}

    /** A flow that reached the provider has ended: {@code handle(_: NEFilterReport)} with event {@code flowClosed}. */
    default void handleFlowClosed(Flow flow, long inboundBytes, long outboundBytes) {}
}
