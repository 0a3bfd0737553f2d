package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.flows.FlowServices;
import dev.netext.daemon.flows.PromptAnswer;
import dev.netext.daemon.flows.TestFlows;
import dev.netext.daemon.rules.SavedRule;
import dev.netext.daemon.rules.SavedRules;
import dev.netext.flow.rules.RuleAction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class SavedRulesKeeperTest {
    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");

    @TempDir
    Path dir;
    private final EventLog log = new EventLog();
    private final List<ProviderEvent.ProviderMessage> messages = new CopyOnWriteArrayList<>();

    private SavedRulesKeeper keeper() {
        log.tap(e -> { if (e instanceof ProviderEvent.ProviderMessage m) messages.add(m); });
        return new SavedRulesKeeper(new SavedRules(dir.resolve("rules.json"), () -> T0), log);
    }

    @Test
    void eachPromptAnswerKeepsTheRuleItPromises() throws Exception {
        SavedRulesKeeper k = keeper();
        FlowServices flows = FlowServices.on(log, k.rules());
        TestFlows.open(log, "p", TestFlows.flow(1, "ask.test"));
        TestFlows.prompt(log, "p", 1, Duration.ofSeconds(30));
        var f = flows.table().get(1);

        k.answered(f, PromptAnswer.ALLOW_ONCE);
        k.answered(f, PromptAnswer.DENY);
        assertThat(k.list()).isEmpty();
        assertThat(dir.resolve("rules.json")).doesNotExist();

        k.answered(f, PromptAnswer.DENY_UNTIL_RESTART);
        assertThat(k.list()).singleElement().satisfies(r -> {
            assertThat(r.action()).isEqualTo(RuleAction.DROP);
            assertThat(r.persistent()).isFalse();
        });
        assertThat(dir.resolve("rules.json")).as("until restart is never written").doesNotExist();

        k.answered(f, PromptAnswer.ALLOW_HOUR); // replaces the rule with the same matchers
        SavedRule hour = k.list().getFirst();
        assertThat(k.list()).hasSize(1);
        assertThat(hour.action()).isEqualTo(RuleAction.ALLOW);
        assertThat(hour.expires()).isEqualTo(T0.plus(Duration.ofHours(1)));

        k.answered(f, PromptAnswer.DENY_ALWAYS);
        SavedRule always = k.list().getFirst();
        assertThat(always.action()).isEqualTo(RuleAction.DROP);
        assertThat(always.expires()).isNull();
        assertThat(always.host()).isEqualTo("ask.test");
        assertThat(always.process()).hasToString("/usr/bin/curl");
        assertThat(always.profile()).isEqualTo("p");
        assertThat(always.source()).isEqualTo("prompt");
        assertThat(Files.readString(dir.resolve("rules.json"))).contains("\"id\":\"" + always.id() + "\"");
        assertThat(messages).filteredOn(m -> m.type().equals("rules.added")).hasSize(3);
    }

    @Test
    void aReloadReadsTheFileAgainAndACorruptOneBecomesAWarning() throws Exception {
        SavedRulesKeeper k = keeper();
        k.load();
        assertThat(k.warning()).isNull();
        Files.writeString(dir.resolve("rules.json"), """
                {"version": 1, "rules": [
                  {"id": "a1", "action": "deny", "host": "x.test", "created": "2026-12-06T10:00:00Z", "source": "cli"}
                ]}
                """);
        k.load();
        assertThat(k.list()).extracting(SavedRule::id).containsExactly("a1");
        Files.writeString(dir.resolve("rules.json"), "{\"version\": 1, \"rules\": [\n  {\"id\": \"a1\", \"colour\": 3}\n]}\n");
        k.load();
        assertThat(k.warning()).startsWith(dir.resolve("rules.json") + ":2: unknown key 'colour'")
                .contains("moved to " + dir.resolve("rules.json.corrupt-20261206T100000Z"));
        assertThat(k.list()).isEmpty();
        assertThat(messages).filteredOn(m -> m.type().equals("rules.corrupt")).singleElement()
                .satisfies(m -> assertThat(m.attributes().get("problem")).contains(":2: "));
        k.load(); // the file is gone now: no rules, no warning
        assertThat(k.warning()).isNull();
    }
}
