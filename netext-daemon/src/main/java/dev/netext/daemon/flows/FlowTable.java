package dev.netext.daemon.flows;

import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.api.Verdict;
import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Flow;
import dev.netext.daemon.rules.SavedRules;


import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The flows the daemon's filters see, built from the event log (a tap: called under the log's lock, in sequence
 * order, so it does only map updates): open flows, and the last {@link #RECENT_CLOSED} closed or dropped ones.
 * Every row remembers the sequence number of the last event that changed it, so readers ask for
 * {@linkplain #since changes after a sequence} and wait for the next change with {@link #awaitChange}.
 *
 * <pre>
 *   FlowOpened → deciding;  dns.answer → dns_seq;  filter.prompt + FlowVerdict(Pause) → paused (deadline, default)
 *   FlowVerdict(allow | filter-data) → open;  FlowVerdict(drop) → dropped;  a verdict after a pause settles the
 *   prompt: the answer noted by {@link #noteAnswer}, else timeout;  FlowClosed → closed (bytes)
 * </pre>
 */
public final class FlowTable implements EventSink {
    /** Finished flows kept for late readers. */
    public static final int RECENT_CLOSED = 512;

    private static final class Row {
        final long id;
        final String profile;
        Flow flow;
        String state = "deciding";
        String verdict;
        long bytesIn = -1, bytesOut = -1;
        boolean prompted;
        Instant promptDeadline;
        String promptDefault;
        String promptOutcome;
        PromptAnswer pendingAnswer;
        long dnsSequence;
        long updated;
        boolean finished;
        FlowRecord.DecidedBy decidedBy; // the saved or profile rule that decided the flow, or null (a provider did)
        String upstreamLocal; // netext's end of the upstream connection, ADDRESS:PORT, once connected

        Row(long id, String profile) {
            this.id = id;
            this.profile = profile;
        }
    }

    private final LongFunction<Instant> wallTime;
    private final LinkedHashMap<Long, Row> rows = new LinkedHashMap<>(); // guarded by this; insertion = open order
    private final Map<Long, Long> linkedDns = new LinkedHashMap<>(16, 0.75f, false) {
        @Override protected boolean removeEldestEntry(Map.Entry<Long, Long> e) { return size() > 256; }
    };
    private final Map<Long, FlowRecord.DecidedBy> decidedBy = new LinkedHashMap<>(16, 0.75f, false) {
        @Override protected boolean removeEldestEntry(Map.Entry<Long, FlowRecord.DecidedBy> e) { return size() > 256; }
    };
    private int finishedCount;
    private long lastChange;

    /** @param wallTime the log's mapping from monotonic to wall-clock time */
    public FlowTable(LongFunction<Instant> wallTime) {
        this.wallTime = wallTime;
    }

    @Override
    public synchronized void accept(ProviderEvent event) {
        Row r = switch (event) {
            case ProviderEvent.FlowOpened o -> opened(o);
            case ProviderEvent.FlowVerdict v -> verdict(v);
            case ProviderEvent.FlowClosed c -> closed(c);
            case ProviderEvent.ProviderMessage m when m.type().equals("filter.prompt") -> {
                Row x = rows.get(m.flowId());
                if (x != null) x.prompted = true;
                yield x;
            }
            case ProviderEvent.ProviderMessage m when m.type().equals(SavedRules.DECIDED_MESSAGE)
                    || m.type().equals(PROFILE_RULE_MESSAGE) -> {
                Map<String, String> a = m.attributes();
                var by = m.type().equals(PROFILE_RULE_MESSAGE)
                        ? new FlowRecord.DecidedBy("profile", a.get("rule"), a.get("match"), a.get("action"))
                        : new FlowRecord.DecidedBy("saved", a.get("rule"), null, null);
                Row x = rows.get(m.flowId());
                if (x != null) x.decidedBy = by;
                else decidedBy.put(m.flowId(), by); // decided before its FlowOpened
                yield x;
            }
            case ProviderEvent.ProviderMessage m when m.type().equals(UPSTREAM_MESSAGE) -> {
                Row x = rows.get(m.flowId());
                if (x != null) x.upstreamLocal = m.attributes().get("local");
                yield null; // nothing a reader of the table shows changed
            }
            case ProviderEvent.ProviderMessage m when m.type().equals(DnsAnswerLinker.MESSAGE_TYPE) -> {
                // published just before the flow's FlowOpened: remember it for that row
                linkedDns.put(m.flowId(), event.sequence());
                yield null;
            }
            default -> null;
        };
        if (r == null) return;
        r.updated = event.sequence();
        lastChange = event.sequence();
        notifyAll();
    }

    private Row opened(ProviderEvent.FlowOpened o) {
        Row r = rows.computeIfAbsent(o.flowId(), id -> new Row(id, o.provider()));
        r.flow = o.flow();
        Long dns = linkedDns.remove(o.flowId());
        if (dns != null) r.dnsSequence = dns;
        FlowRecord.DecidedBy by = decidedBy.remove(o.flowId());
        if (by != null) r.decidedBy = by;
        return r;
    }

    private Row verdict(ProviderEvent.FlowVerdict v) {
        Row r = rows.get(v.flowId());
        if (r == null || r.finished) return null;
        Verdict x = v.verdict();
        if (x instanceof FilterVerdict.Pause p) {
            r.state = "paused";
            r.verdict = "paused";
            Duration t = p.timeout();
            r.promptDeadline = wallTime.apply(v.monotonicNanos() + t.toNanos());
            r.promptDefault = verdictName(p.onTimeout());
            if (r.promptOutcome == null) r.promptOutcome = "pending";
            return r;
        }
        if (r.state.equals("paused")) {
            r.promptOutcome = r.pendingAnswer != null ? r.pendingAnswer.wireName() : "timeout";
            r.pendingAnswer = null;
        }
        r.verdict = verdictName(x);
        if (x instanceof FinalVerdict.Drop) finish(r, "dropped");
        else r.state = "open";
        return r;
    }

    private Row closed(ProviderEvent.FlowClosed c) {
        Row r = rows.get(c.flowId());
        if (r == null) return null;
        r.bytesIn = c.inboundBytes();
        r.bytesOut = c.outboundBytes();
        if (!r.finished) finish(r, "closed"); // a dropped flow stays "dropped"; its close only adds the bytes
        return r;
    }

    private void finish(Row r, String state) {
        r.state = state;
        if (r.promptOutcome != null && r.promptOutcome.equals("pending")) r.promptOutcome = "closed";
        r.finished = true;
        finishedCount++;
        if (finishedCount > RECENT_CLOSED) {
            for (Iterator<Row> it = rows.values().iterator(); it.hasNext() && finishedCount > RECENT_CLOSED; ) {
                if (it.next().finished) {
                    it.remove();
                    finishedCount--;
                }
            }
        }
    }

    static String verdictName(Verdict v) {
        return switch (v) {
            case FinalVerdict.Allow _ -> "allow";
            case FinalVerdict.Drop d -> d.mode() == DropMode.SILENT ? "drop-silently" : "drop";
            case FilterVerdict.Pause _ -> "paused";
            case FilterVerdict.FilterData _ -> "filter-data";
            default -> v.getClass().getSimpleName().toLowerCase(Locale.ROOT);
        };
    }

    /**
     * Notes the answer a person gave to {@code flowId}'s prompt, before the filter is asked to resume it, so the verdict
     * that follows is shown as that answer rather than a timeout. False if the flow is not paused.
     */
    public synchronized boolean noteAnswer(long flowId, PromptAnswer answer) {
        Row r = rows.get(flowId);
        if (r == null || !r.state.equals("paused")) return false;
        r.pendingAnswer = answer;
        return true;
    }

    /** Forgets an answer whose resume failed (the flow had timed out or closed meanwhile). */
    public synchronized void clearAnswer(long flowId) {
        Row r = rows.get(flowId);
        if (r != null) r.pendingAnswer = null;
    }

    /**
     * The daemon's rules filter's message naming the profile rule that decided a flow (or paused it for a prompt),
     * published just before the verdict: {@code rule} ({@code PROFILE#N}, {@code PROFILE#default}), {@code match},
     * {@code action}. A saved rule's is {@link SavedRules#DECIDED_MESSAGE}.
     */
    public static final String PROFILE_RULE_MESSAGE = "filter.profile-rule";

    /** The engine's {@code flow.upstream} message: the upstream connection's tuple, published once it connected. */
    public static final String UPSTREAM_MESSAGE = "flow.upstream";

    /** Netext's end of {@code flowId}'s upstream connection ({@code ADDRESS:PORT}), or null before it connected. */
    public synchronized String upstreamLocal(long flowId) {
        Row r = rows.get(flowId);
        return r == null ? null : r.upstreamLocal;
    }

    /** The flow {@code flowId} as its engine last described it (addresses, protocol), or null when not in the table. */
    public synchronized Flow flow(long flowId) {
        Row r = rows.get(flowId);
        return r == null ? null : r.flow;
    }

    public synchronized FlowRecord get(long flowId) {
        Row r = rows.get(flowId);
        return r == null || r.flow == null ? null : snapshot(r);
    }

    /** Every row, in the order the flows opened. */
    public synchronized List<FlowRecord> all() { return since(0); }

    /** Rows changed by events after sequence {@code after}, in the order of their last change. */
    public synchronized List<FlowRecord> since(long after) {
        List<FlowRecord> out = new ArrayList<>();
        for (Row r : rows.values()) if (r.updated > after && r.flow != null) out.add(snapshot(r));
        if (after > 0) out.sort(Comparator.comparingLong(FlowRecord::updated));
        return out;
    }

    /** The sequence number of the last change (0: none yet). */
    public synchronized long lastChange() { return lastChange; }

    /** Waits until a change after {@code after} or the timeout; returns the last change's sequence. */
    public synchronized long awaitChange(long after, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (lastChange <= after) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            wait(Math.max(1, left / 1_000_000));
        }
        return lastChange;
    }

    private static FlowRecord snapshot(Row r) {
        Flow f = r.flow;
        var h = f.hostname().orElse(null);
        var p = f.process();
        FlowRecord.Prompt prompt = r.prompted || r.promptDeadline != null
                ? new FlowRecord.Prompt(r.promptDeadline, r.promptDefault, r.promptOutcome == null ? "pending" : r.promptOutcome)
                : null;
        boolean inbound = f.direction() == Direction.INBOUND; // the kernel delivers it to the server: no route to show
        String proxy = !inbound && ("allow".equals(r.verdict) || "filter-data".equals(r.verdict)) ? "direct" : null;
        return new FlowRecord(r.id, r.profile, r.state, f.protocol().name().toLowerCase(Locale.ROOT), f.local().toString(),
                f.remote().toString(), h == null ? null : h.hostname(),
                h == null ? null : h.source().name().toLowerCase(Locale.ROOT),
                p.pid().isPresent() ? p.pid().getAsInt() : null, p.executable().map(Object::toString).orElse(null),
                p.uid().isPresent() ? p.uid().getAsLong() : null, r.verdict, proxy, r.bytesIn, r.bytesOut, f.created(),
                prompt, r.dnsSequence, r.updated, r.decidedBy, inbound ? "in" : "out");
    }
}
