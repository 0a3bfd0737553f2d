package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.daemon.dashboard.RulesAccess;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.flows.FlowRecord;
import dev.netext.daemon.flows.PromptAnswer;
import dev.netext.daemon.rules.RulesFile;
import dev.netext.daemon.rules.SavedRule;
import dev.netext.daemon.rules.SavedRules;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's side of its saved rules: loads the rules file at start and reload (a corrupt one is moved aside,
 * published as {@code rules.corrupt} and kept as a status warning naming {@code file:line}), drops expired rules on a
 * timer, and turns prompt answers and {@code netext rules} requests into rules — each change an event
 * ({@code rules.added}, {@code rules.deleted}, {@code rules.expired}).
 */
final class SavedRulesKeeper implements RulesAccess {
    private static final Logger LOG = LoggerFactory.getLogger(SavedRulesKeeper.class);
    /** How often expired rules are removed (they stop matching at their time regardless). */
    static final Duration EXPIRY_SWEEP = Duration.ofSeconds(1);

    private final SavedRules rules;
    private final EventLog events;
    private volatile String warning;

    SavedRulesKeeper(SavedRules rules, EventLog events) {
        this.rules = rules;
        this.events = events;
    }

    SavedRules rules() { return rules; }

    /** The last load's problem ({@code file:line: …, moved to …}), or null. */
    String warning() { return warning; }

    /** Loads the file and starts the expiry sweep on {@code timer}. */
    void start(ScheduledExecutorService timer) {
        load();
        long ms = EXPIRY_SWEEP.toMillis();
        timer.scheduleWithFixedDelay(this::expire, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** (Re)reads the rules file; never throws: a problem is a warning and an event. */
    void load() {
        try {
            Optional<SavedRules.Corrupt> c = rules.load();
            if (c.isPresent()) {
                warning = c.get().problem() + " (moved to " + c.get().movedTo() + ")";
                LOG.warn("rules file: {}", warning);
                publish("rules.corrupt", Map.of("problem", c.get().problem(), "moved_to", c.get().movedTo().toString()));
            } else {
                warning = null;
            }
        } catch (IOException e) {
            warning = rules.file() + ": " + e.getMessage();
            LOG.warn("rules file: {}", warning);
            publish("rules.corrupt", Map.of("problem", warning));
        }
    }

    /** Adds {@code rule}, published as {@code rules.added}. */
    SavedRule add(SavedRule rule) throws IOException {
        rules.add(rule);
        publish("rules.added", describe(rule));
        return rule;
    }

    @Override
    public List<SavedRule> list() { return rules.list(); }

    @Override
    public boolean delete(String id) throws IOException {
        boolean gone = rules.delete(id);
        if (gone) publish("rules.deleted", Map.of("id", id));
        return gone;
    }

    /** The rule a prompt answer keeps (none for {@code allow-once} and {@code deny}). */
    void answered(FlowRecord f, PromptAnswer answer) {
        if (answer.keep() == PromptAnswer.Keep.NONE) return;
        FlowRule m = PromptAnswers.sessionRule(f);
        Instant now = rules.now();
        SavedRule r = new SavedRule(rules.newId(), answer.allows() ? RuleAction.ALLOW
                : RuleAction.DROP, m.host(), m.processPath(), m.cidr(),
                m.port() == null ? null : m.port().first(), f.profile(), now,
                answer.keep() == PromptAnswer.Keep.HOUR ? now.plus(PromptAnswer.HOUR) : null, "prompt",
                answer.keep() != PromptAnswer.Keep.MEMORY, m.direction());
        try {
            add(r);
        } catch (IOException e) { // the rule still holds in memory; the file keeps its last good state
            LOG.warn("could not save the rule of a prompt answer to {}: {}", rules.file(), e.toString());
            publish("rules.save-failed", Map.of("id", r.id(), "error", e.toString()));
        }
    }

    private void expire() {
        try {
            for (SavedRule r : rules.expire()) publish("rules.expired", describe(r));
        } catch (IOException | RuntimeException e) {
            LOG.warn("expiring saved rules: {}", e.toString());
        }
    }

    private static Map<String, String> describe(SavedRule r) {
        Map<String, String> a = new LinkedHashMap<>();
        RulesFile.json(r).fields().forEachRemaining(e -> a.put(e.getKey(), e.getValue().asText()));
        a.put("persistent", Boolean.toString(r.persistent()));
        return a;
    }

    private void publish(String type, Map<String, String> attributes) {
        events.publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, Daemon.EVENT_SOURCE, ProviderEvent.NO_FLOW,
                type, attributes));
    }
}
