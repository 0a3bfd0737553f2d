package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ondemand.EvaluationRule;
import dev.netext.api.ondemand.NetworkState;
import dev.netext.api.ondemand.OnDemandEvaluator;
import dev.netext.api.ondemand.OnDemandRule;
import dev.netext.api.net.DomainName;
import dev.netext.daemon.events.EventLog;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * Applies profiles' on-demand rules ({@link OnDemandEvaluator}: in order, first match wins):
 * <ul>
 *   <li>on a network change ({@link #networkChanged}) and after a reload: Connect starts the profile, Disconnect
 *       stops it, EvaluateConnection and Ignore leave it as it is;</li>
 *   <li>on a DNS query ({@link #onDnsQuery}): if the rule matching the current network is EvaluateConnection and its
 *       first domain rule covering the name says connect-if-needed, the profile starts — unless that rule's probe URL
 *       answers, which means the name is reachable without the tunnel.</li>
 * </ul>
 * Evaluation runs on one thread of its own (probes make HTTP requests), so callers — the path monitor, the DNS hot
 * path — never wait. Every decision that changes something is an event ({@code daemon.on-demand}).
 */
public final class OnDemandController implements DnsQueryHook, AutoCloseable {
    private final Supervisor supervisor;
    private final EventLog events;
    private final Predicate<URI> probe;
    private final ExecutorService worker =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().name("netext-on-demand").daemon(true).factory());
    private volatile NetworkState network = NetworkState.OFFLINE;

    /** One decision: which profile, which rule (1-based) and what it did. */
    public record Decision(String profile, int rule, String ruleKind, String action, boolean changed) {}

    public OnDemandController(Supervisor supervisor, EventLog events, Predicate<URI> probe) {
        this.supervisor = supervisor;
        this.events = events;
        this.probe = probe;
    }

    public NetworkState network() { return network; }

    /** The network changed: remember it and evaluate every profile's rules. */
    public CompletableFuture<List<Decision>> networkChanged(NetworkState state) {
        network = state;
        return reevaluate("network");
    }

    /** Evaluates every profile's rules against the current network ({@code trigger} names why, for events). */
    public CompletableFuture<List<Decision>> reevaluate(String trigger) {
        return CompletableFuture.supplyAsync(() -> evaluateNetwork(trigger), worker);
    }

    @Override
    public void onDnsQuery(String name) {
        evaluateQuery(name);
    }

    /** {@link #onDnsQuery} with its outcome, for callers that want to know. */
    public CompletableFuture<List<Decision>> evaluateQuery(String name) {
        String normalized;
        try {
            normalized = DomainName.normalize(name);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(List.of());
        }
        return CompletableFuture.supplyAsync(() -> evaluateName(normalized), worker);
    }

    private List<Decision> evaluateNetwork(String trigger) {
        List<Decision> out = new ArrayList<>();
        NetworkState state = network;
        for (var e : supervisor.onDemandProfiles().entrySet()) {
            List<OnDemandRule> rules = e.getValue();
            Optional<OnDemandRule> match = new OnDemandEvaluator(rules, probe).firstMatch(state);
            if (match.isEmpty()) continue;
            OnDemandRule r = match.get();
            int index = rules.indexOf(r) + 1;
            String kind = r.getClass().getSimpleName();
            switch (r) {
                case OnDemandRule.Connect c -> out.add(decide(e.getKey(), index, kind, true, trigger, null));
                case OnDemandRule.Disconnect d -> out.add(decide(e.getKey(), index, kind, false, trigger, null));
                default -> out.add(new Decision(e.getKey(), index, kind, "none", false));
            }
        }
        return out;
    }

    private List<Decision> evaluateName(String name) {
        List<Decision> out = new ArrayList<>();
        NetworkState state = network;
        for (var e : supervisor.onDemandProfiles().entrySet()) {
            List<OnDemandRule> rules = e.getValue();
            Optional<OnDemandRule> match = new OnDemandEvaluator(rules, probe).firstMatch(state);
            if (!(match.orElse(null) instanceof OnDemandRule.EvaluateConnection ec)) continue;
            Optional<EvaluationRule> er = ec.ruleFor(name);
            if (er.isEmpty() || er.get().action() == EvaluationRule.Action.NEVER_CONNECT) continue;
            int index = rules.indexOf(ec) + 1;
            if (er.get().requiredUrlProbe().isPresent() && probe.test(er.get().requiredUrlProbe().get())) {
                out.add(new Decision(e.getKey(), index, "EvaluateConnection", "none (probe reachable)", false));
                continue;
            }
            out.add(decide(e.getKey(), index, "EvaluateConnection", true, "dns query", name));
        }
        return out;
    }

    private Decision decide(String profile, int rule, String kind, boolean connect, String trigger, String name) {
        String why = kind + " rule " + rule + (name == null ? "" : " for " + name);
        boolean changed = supervisor.onDemand(profile, connect, why);
        if (changed) {
            Map<String, String> attrs = new LinkedHashMap<>();
            attrs.put("profile", profile);
            attrs.put("action", connect ? "connect" : "disconnect");
            attrs.put("rule", Integer.toString(rule));
            attrs.put("rule_kind", kind);
            attrs.put("trigger", trigger);
            if (name != null) attrs.put("name", name);
            events.publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, Daemon.EVENT_SOURCE, ProviderEvent.NO_FLOW,
                    "daemon.on-demand", attrs));
        }
        return new Decision(profile, rule, kind, connect ? "connect" : "disconnect", changed);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
