package dev.netext.daemon.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.api.ProviderEvent;
import dev.netext.api.flow.Flow;
import dev.netext.daemon.capture.CaptureFlows;
import dev.netext.daemon.capture.CaptureRing;
import dev.netext.daemon.capture.CapturedPacket;
import dev.netext.daemon.capture.FlowCapture;
import dev.netext.daemon.flows.FlowJson;
import dev.netext.daemon.flows.FlowRecord;
import dev.netext.daemon.control.ControlAccess;
import dev.netext.daemon.control.ControlConnection;
import dev.netext.daemon.control.ControlHandler;
import dev.netext.daemon.events.EventJson;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.events.LogEntry;
import dev.netext.daemon.events.Subscription;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.ProfileError;
import dev.netext.daemon.profile.ProfileException;
import dev.netext.daemon.profile.ProfileSetLoader;
import dev.netext.daemon.profile.Suggest;
import dev.netext.wire.pcapng.Pcapng;
import dev.netext.wire.pcapng.PcapngWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The control API's operations over a {@link Daemon}: {@code status}, {@code profiles}, {@code up}, {@code down},
 * {@code reload}, {@code events}, {@code flows}, {@code capture}, {@code dashboard}, {@code message}
 * ({@link MessageOp}), {@code rules} ({@link RulesOps}), {@code prompt} ({@link PromptOp}). See {@code dev.netext.daemon.control}
 * for the wire format; who may run which is {@link ControlAccess}'s (checked before an op gets here).
 */
final class ControlOps implements ControlHandler {
    static final List<String> OPS = List.of("status", "profiles", "up", "down", "reload", "events", "flows", "capture", "dashboard", "message", "rules", "prompt");
    private static final ObjectMapper MAPPER = EventJson.MAPPER;

    private final Daemon daemon;

    ControlOps(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public void handle(JsonNode request, ControlConnection conn) throws Exception {
        String op = request.path("op").asText("");
        switch (op) {
            case "status" -> conn.send(status(conn.access() == ControlAccess.Level.FULL));
            case "dashboard" -> conn.send(daemon.dashboardUrl() == null
                    ? error("the daemon runs without a dashboard (started with --dashboard off)")
                    : ok().put("url", daemon.dashboardUrl()));
            case "profiles" -> conn.send(profiles());
            case "up", "down" -> {
                String name = request.path("name").asText("");
                if (name.isEmpty()) {
                    conn.send(error(op + " needs a profile name: {\"op\":\"" + op + "\",\"name\":\"…\"}"));
                    return;
                }
                try {
                    ObjectNode reply = ok();
                    if (op.equals("up") && !daemon.supervisor().up(name, startOptions(request.path("options"))))
                        reply.put("note", "the tunnel of " + name + " is running already: the options apply at its next"
                                + " start (netext down " + name + ", then up)");
                    else if (op.equals("down")) daemon.supervisor().down(name);
                    conn.send(reply);
                } catch (UnknownProfileException e) {
                    conn.send(error(e.getMessage()));
                }
            }
            case "reload" -> conn.send(reload());
            case "events" -> events(request, conn);
            case "flows" -> flows(request, conn);
            case "capture" -> capture(request, conn);
            case "message" -> conn.send(MessageOp.answer(request, daemon.supervisor()));
            case "rules" -> conn.send(RulesOps.handle(request, daemon.savedRules()));
            case "prompt" -> conn.send(PromptOp.handle(request, // the dashboard's answers, stateless: made per request
                    new PromptAnswers(daemon.supervisor(), daemon.flows(), daemon.events(), daemon.savedRules())));
            default -> conn.send(error((op.isEmpty() ? "missing op" : "unknown op '" + op + "'")
                    + Suggest.hint(op, OPS) + "; ops: " + String.join(", ", OPS)));
        }
    }

    /** {@code "options":{"k":"v",…}} of {@code up}: strings as given (a non-string value as its JSON text). */
    private static Map<String, String> startOptions(JsonNode options) {
        Map<String, String> out = new LinkedHashMap<>();
        options.properties().forEach(e -> out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
        return out;
    }

    /** The daemon and its profiles; the dashboard's token only for {@code full} access (it answers prompts). */
    private ObjectNode status(boolean full) {
        ObjectNode o = ok();
        ObjectNode d = o.putObject("daemon");
        d.put("pid", ProcessHandle.current().pid());
        d.put("uptime_s", daemon.uptime().toSeconds());
        if (daemon.config().profilesDir() != null) d.put("profiles_dir", daemon.config().profilesDir().toString());
        d.put("control", daemon.controlSocket().toString());
        if (daemon.metricsUrl() != null) d.put("metrics", daemon.metricsUrl());
        if (daemon.dashboardUrl() != null && full) { // root only, as the token file
            d.put("dashboard", daemon.dashboardUrl());
            d.put("dashboard_token_file", daemon.dashboardTokenFile().toString());
        } else if (daemon.dashboardPage() != null) {
            d.put("dashboard", daemon.dashboardPage());
        }
        d.put("last_event", daemon.events().lastSequence());
        ArrayNode ps = o.putArray("profiles");
        for (ProfileState p : daemon.supervisor().status()) {
            ObjectNode j = ps.addObject();
            j.put("name", p.name());
            j.put("source", p.source().toString());
            j.put("enabled", p.enabled());
            j.put("active", p.active());
            j.put("reason", p.reason());
            j.put("on_demand_rules", p.onDemandRules());
            ArrayNode cs = j.putArray("components");
            for (ComponentStatus c : p.components()) {
                ObjectNode cj = cs.addObject();
                cj.put("kind", c.kind());
                cj.put("status", c.status().name().toLowerCase(Locale.ROOT));
                if (c.provider() != null) cj.put("provider", c.provider());
                cj.put("detail", c.detail());
                cj.put("restarts", c.restarts());
                if (c.lastError() != null) cj.put("last_error", c.lastError());
                ObjectNode n = cj.putObject("counters");
                c.counters().forEach(n::put);
            }
        }
        if (daemon.savedRules().warning() != null) d.put("rules_warning", daemon.savedRules().warning());
        ArrayNode broken = o.putArray("broken"); // files left out at start: netext status exits non-zero while any is here
        for (ProfileSetLoader.BrokenProfile b : daemon.brokenProfiles()) {
            ObjectNode j = broken.addObject();
            j.put("file", b.file().toString());
            j.put("required", b.required());
            ArrayNode errs = j.putArray("errors");
            for (ProfileError pe : b.errors()) errs.add(pe.toString());
        }
        return o;
    }

    private ObjectNode profiles() {
        ObjectNode o = ok();
        ArrayNode ps = o.putArray("profiles");
        for (Profile p : daemon.supervisor().profiles()) {
            ObjectNode j = ps.addObject();
            j.put("name", p.name());
            j.put("source", p.source().toString());
            j.put("enabled", p.enabled());
            j.put("description", p.describe());
        }
        return o;
    }

    private ObjectNode reload() {
        try {
            ReloadResult r = daemon.reload();
            ObjectNode o = ok();
            r.started().forEach(o.putArray("started")::add);
            r.stopped().forEach(o.putArray("stopped")::add);
            r.restarted().forEach(o.putArray("restarted")::add);
            r.unchanged().forEach(o.putArray("unchanged")::add);
            return o;
        } catch (ProfileException e) {
            ObjectNode o = error("the profiles have errors; nothing was changed");
            ArrayNode errs = o.putArray("errors");
            for (ProfileError pe : e.errors()) errs.add(pe.toString());
            return o;
        }
    }

    /**
     * {@code {"op":"events","follow":true,"flow":42,"after":0}}: event lines from the ring (after sequence
     * {@code after}), then, with {@code follow}, live ones until the client closes the connection.
     */
    private void events(JsonNode request, ControlConnection conn) throws IOException, InterruptedException {
        boolean follow = request.path("follow").asBoolean(false);
        long flow = request.path("flow").asLong(0);
        long after = Math.max(0, request.path("after").asLong(0));
        if (request.has("flow") && flow <= 0) {
            conn.send(error("flow ids are positive"));
            return;
        }
        Predicate<ProviderEvent> filter = flow > 0 ? EventLog.flow(flow) : _ -> true;
        EventLog log = daemon.events();
        EventJson json = new EventJson(log::wallTime);
        if (!follow) {
            for (ProviderEvent e : log.history(filter)) {
                if (e.sequence() > after) conn.sendRaw(json.toJson(e).toString());
            }
            conn.send(ok().put("end", true).put("last_event", log.lastSequence()));
            return;
        }
        Predicate<ProviderEvent> live = filter.and(e -> e.sequence() > after); // an 'after' beyond now skips those too
        try (Subscription sub = log.subscribe(after, live, EventLog.DEFAULT_SUBSCRIBER_CAPACITY)) {
            conn.watchClose(sub::close);
            while (conn.isOpen() && !sub.isClosed()) {
                LogEntry e = sub.take(Duration.ofSeconds(1));
                if (e != null) conn.sendRaw(json.line(e));
            }
        }
    }

    /**
     * {@code {"op":"flows","follow":true}}: one {@code {"flow":{…}}} line per flow the daemon's filters know (open ones
     * and recent closed ones, {@code FlowJson}), then {@code {"ok":true,"end":true,"last_change":SEQ}}; with
     * {@code follow}, then a line per change of a flow (opened, verdict, prompt answered or timed out, closed) until
     * the client closes the connection.
     */
    private void flows(JsonNode request, ControlConnection conn) throws IOException, InterruptedException {
        boolean follow = request.path("follow").asBoolean(false);
        var table = daemon.flows().table();
        long seen = table.lastChange();
        for (var f : table.all()) {
            conn.send(MAPPER.createObjectNode().set("flow", FlowJson.toJson(f)));
            seen = Math.max(seen, f.updated());
        }
        conn.send(ok().put("end", true).put("last_change", seen));
        if (!follow) return;
        conn.watchClose(() -> { });
        while (conn.isOpen()) {
            long last = table.awaitChange(seen, Duration.ofSeconds(1));
            if (last <= seen) continue;
            long sent = last;
            for (var f : table.since(seen)) {
                conn.send(MAPPER.createObjectNode().set("flow", FlowJson.toJson(f)));
                sent = Math.max(sent, f.updated());
            }
            seen = sent;
        }
    }

    /**
     * {@code {"op":"capture","tunnel":"NAME","count":N,"seconds":S,"snaplen":L}}: a header line
     * {@code {"ok":true,"interface":…,"linktype":101,"snaplen":L}}, one line per packet
     * {@code {"t":EPOCH_NS,"dir":"in|out","len":N,"flow":F,"comment":…,"data":BASE64}}, and a closing
     * {@code {"ok":true,"end":true,"packets":N,"dropped":D}} once {@code count} packets were sent, {@code seconds}
     * passed, or the client closed the connection. Count and seconds are both optional; without either the capture
     * runs until the client goes.
     */
    private void capture(JsonNode request, ControlConnection conn) throws Exception {
        String name = request.path("tunnel").asText("");
        long flowId = request.path("flow").asLong(0);
        long count = request.path("count").asLong(0);
        double seconds = request.path("seconds").asDouble(0);
        int snaplen = request.path("snaplen").asInt(PcapngWriter.MAX_SNAPLEN);
        if (name.isEmpty() == (flowId <= 0)) {
            conn.send(error("capture needs a tunnel or a flow: {\"op\":\"capture\",\"tunnel\":\"NAME\"} or {\"op\":\"capture\",\"flow\":ID}"));
            return;
        }
        if (count < 0 || seconds < 0 || !Double.isFinite(seconds) || snaplen < 1 || snaplen > PcapngWriter.MAX_SNAPLEN) {
            conn.send(error("capture: count and seconds are non-negative, snaplen 1..65535"));
            return;
        }
        if (flowId > 0) {
            captureFlow(flowId, count, seconds, snaplen, conn);
            return;
        }
        TunnelComponent tunnel;
        try {
            tunnel = daemon.supervisor().components(name).stream().filter(TunnelComponent.class::isInstance)
                    .map(TunnelComponent.class::cast).findFirst().orElse(null);
        } catch (UnknownProfileException e) {
            conn.send(error(e.getMessage()));
            return;
        }
        if (tunnel == null) {
            conn.send(error("profile " + name + " has no tunnel section"));
            return;
        }
        CaptureRing ring = new CaptureRing(CAPTURE_RING_PACKETS, snaplen, CAPTURE_RING_BYTES);
        CaptureFlows flows = new CaptureFlows();
        Base64.Encoder b64 = Base64.getEncoder();
        long deadline = seconds > 0 ? System.nanoTime() + (long) (seconds * 1e9) : Long.MAX_VALUE;
        long sent = 0;
        tunnel.attach(ring);
        try {
            String iface = tunnel.interfaceName();
            ObjectNode head = ok().put("tunnel", name).put("linktype", Pcapng.LINKTYPE_RAW).put("snaplen", snaplen);
            head.put("interface", iface == null ? name : iface);
            conn.send(head);
            conn.watchClose(() -> { });
            while (conn.isOpen() && (count == 0 || sent < count)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                CapturedPacket p = ring.poll(Duration.ofNanos(Math.min(left, 200_000_000L)));
                if (p == null) continue;
                CaptureFlows.Described d = flows.describe(p);
                ObjectNode line = MAPPER.createObjectNode().put("t", p.epochNanos()).put("dir", p.direction())
                        .put("len", p.originalLength()).put("flow", d.flow()).put("comment", d.comment())
                        .put("data", b64.encodeToString(p.data()));
                conn.send(line);
                sent++;
            }
        } finally {
            tunnel.detach(ring);
        }
        if (conn.isOpen()) conn.send(ok().put("end", true).put("packets", sent).put("dropped", ring.dropped()));
    }

    /**
     * {@code {"op":"capture","flow":ID,…}}: the kernel's copies of one intercepted flow's packets
     * ({@link FlowCapture}: an nflog group and an nft table of the capture's own), in the same lines as a tunnel
     * capture; ends as well when the flow closes (after a short grace for its last segments). The table goes away
     * whichever way the capture ends.
     */
    private void captureFlow(long flowId, long count, double seconds, int snaplen, ControlConnection conn) throws Exception {
        var table = daemon.flows().table();
        Flow flow = table.flow(flowId);
        FlowRecord row = table.get(flowId);
        if (flow == null || row == null) {
            conn.send(error("no flow " + flowId + " (see netext flows)"));
            return;
        }
        if (ended(row)) {
            conn.send(error("flow " + flowId + " is " + row.state() + ": nothing left to capture"));
            return;
        }
        // the nflog socket is read with poll(2) through FFM, which would pin this connection's virtual thread to its
        // carrier for the whole capture: read on a platform thread of its own, and wait for it here (unmounted)
        Exception[] failure = {null};
        Thread reader = Thread.ofPlatform().daemon().name("netext-capture-flow-" + flowId).start(() -> {
            try {
                readFlow(flow, flowId, count, seconds, snaplen, conn);
            } catch (Exception e) {
                failure[0] = e;
            }
        });
        reader.join();
        if (failure[0] != null) throw failure[0];
    }

    private void readFlow(Flow flow, long flowId, long count, double seconds, int snaplen,
                          ControlConnection conn) throws Exception {
        var table = daemon.flows().table();
        Base64.Encoder b64 = Base64.getEncoder();
        long deadline = seconds > 0 ? System.nanoTime() + (long) (seconds * 1e9) : Long.MAX_VALUE;
        long[] sent = {0};
        long closedAt = 0;
        Consumer<FlowCapture.FlowPacket> send = fp -> {
            if (count != 0 && sent[0] >= count) return;
            CapturedPacket p = fp.packet();
            try {
                conn.send(MAPPER.createObjectNode().put("t", p.epochNanos()).put("dir", p.direction())
                        .put("len", p.originalLength()).put("flow", flowId).put("comment", fp.comment())
                        .put("data", b64.encodeToString(p.data())));
                sent[0]++;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        try (FlowCapture capture = FlowCapture.open(flow, daemon.config().stateDir(), snaplen)) {
            conn.send(ok().put("flow", flowId).put("interface", "flow " + flowId).put("linktype", Pcapng.LINKTYPE_RAW)
                    .put("snaplen", snaplen).put("nflog_group", capture.group()));
            conn.watchClose(() -> { });
            while (conn.isOpen() && (count == 0 || sent[0] < count)) {
                long now = System.nanoTime();
                if (now >= deadline || closedAt != 0 && now - closedAt >= FLOW_CLOSE_GRACE_NANOS) break;
                capture.poll((int) Math.max(1, Math.min((deadline - now) / 1_000_000, 200)), table.upstreamLocal(flowId), send);
                if (closedAt == 0) {
                    FlowRecord r = table.get(flowId);
                    if (r == null || ended(r)) closedAt = System.nanoTime();
                }
            }
            if (conn.isOpen()) {
                capture.finish(table.upstreamLocal(flowId), send);
                conn.send(ok().put("end", true).put("packets", sent[0]).put("dropped", capture.lost())
                        .put("reason", closedAt != 0 ? "flow closed" : count != 0 && sent[0] >= count ? "count" : "time"));
            }
        } catch (UncheckedIOException e) {
            // the client went away mid-send: the capture is over; the table was removed on the way out
        }
    }

    private static boolean ended(FlowRecord r) {
        return r.state().equals("closed") || r.state().equals("dropped");
    }

    /** How long a flow capture keeps reading after the flow closed: its last FIN/ACK or RST are still on their way. */
    static final long FLOW_CLOSE_GRACE_NANOS = 300_000_000L;

    /** A capture's ring: enough for a burst at line rate while the reader formats, bounded in memory. */
    static final int CAPTURE_RING_PACKETS = 4096;
    static final long CAPTURE_RING_BYTES = 16L << 20;

    private static ObjectNode ok() {
        return MAPPER.createObjectNode().put("ok", true);
    }

    private static ObjectNode error(String message) {
        return MAPPER.createObjectNode().put("ok", false).put("error", message);
    }
}
