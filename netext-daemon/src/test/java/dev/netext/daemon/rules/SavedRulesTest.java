package dev.netext.daemon.rules;

import dev.netext.api.net.IpPrefix;
import dev.netext.daemon.flows.TestFlows;
import dev.netext.flow.rules.RuleAction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SavedRulesTest {
    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");

    @TempDir
    Path dir;
    private final AtomicReference<Instant> now = new AtomicReference<>(T0);

    private SavedRules store() { return new SavedRules(dir.resolve("rules.json"), now::get); }

    private static SavedRule rule(String id, RuleAction action, String host, Instant expires, boolean persistent) {
        return new SavedRule(id, action, host, Path.of("/usr/bin/curl"), null, null, "p", T0, expires, "prompt", persistent);
    }

    @Test
    void persistentRulesSurviveANewStoreAndMemoryOnesDoNot() throws Exception {
        SavedRules s = store();
        s.add(rule("aaaa0001", RuleAction.DROP, "ask.test", null, true));
        s.add(new SavedRule("aaaa0002", RuleAction.ALLOW, null, null, IpPrefix.parse("10.0.0.0/8"), 443, null, T0,
                T0.plusSeconds(3600), "cli", true));
        s.add(rule("aaaa0003", RuleAction.ALLOW, "mem.test", null, false));
        String text = Files.readString(dir.resolve("rules.json"));
        assertThat(text).startsWith("{\"version\": 1, \"rules\": [").doesNotContain("mem.test");
        assertThat(dir.resolve("rules.json.tmp")).doesNotExist();

        SavedRules again = store();
        assertThat(again.load()).isEmpty();
        assertThat(again.list()).extracting(SavedRule::id).containsExactly("aaaa0002", "aaaa0001");
        SavedRule cidr = again.list().getFirst();
        assertThat(cidr.cidr()).hasToString("10.0.0.0/8");
        assertThat(cidr.port()).isEqualTo(443);
        assertThat(cidr.profile()).isNull();
        assertThat(cidr.expires()).isEqualTo(T0.plusSeconds(3600));
        assertThat(again.decide("p", TestFlows.flow(1, "ask.test")).id()).isEqualTo("aaaa0001");
    }

    @Test
    void aLaterAnswerForTheSameMatchersReplacesTheEarlierOne() throws Exception {
        SavedRules s = store();
        s.add(rule("aaaa0001", RuleAction.ALLOW, "ask.test", null, true));
        s.add(rule("aaaa0002", RuleAction.DROP, "ask.test", null, true));
        assertThat(s.list()).extracting(SavedRule::id).containsExactly("aaaa0002");
        assertThat(s.decide("p", TestFlows.flow(1, "ask.test")).action()).isEqualTo(RuleAction.DROP);
        assertThat(s.decide("q", TestFlows.flow(1, "ask.test"))).as("another profile").isNull();
    }

    @Test
    void anExpiredRuleStopsMatchingAtOnceAndIsRemovedFromTheFile() throws Exception {
        SavedRules s = store();
        s.add(rule("aaaa0001", RuleAction.DROP, "ask.test", T0.plusSeconds(2), true));
        s.add(rule("aaaa0002", RuleAction.DROP, "keep.test", null, true));
        assertThat(s.decide("p", TestFlows.flow(1, "ask.test"))).isNotNull();
        now.set(T0.plusSeconds(2));
        assertThat(s.decide("p", TestFlows.flow(1, "ask.test"))).isNull();
        assertThat(s.list()).extracting(SavedRule::id).containsExactly("aaaa0002");
        assertThat(Files.readString(dir.resolve("rules.json"))).contains("ask.test"); // until the sweep
        assertThat(s.expire()).extracting(SavedRule::id).containsExactly("aaaa0001");
        assertThat(Files.readString(dir.resolve("rules.json"))).doesNotContain("ask.test").contains("keep.test");
        assertThat(s.expire()).isEmpty();
    }

    @Test
    void deleteRemovesFromMemoryAndFile() throws Exception {
        SavedRules s = store();
        s.add(rule("aaaa0001", RuleAction.DROP, "ask.test", null, true));
        assertThat(s.delete("nope")).isFalse();
        assertThat(s.delete("aaaa0001")).isTrue();
        assertThat(s.decide("p", TestFlows.flow(1, "ask.test"))).isNull();
        SavedRules again = store();
        again.load();
        assertThat(again.list()).isEmpty();
    }

    @Test
    void aCorruptFileIsReportedWithItsLineAndMovedAsideNotDropped() throws Exception {
        Path file = dir.resolve("rules.json");
        String bad = """
                {"version": 1, "rules": [
                  {"id": "a1", "action": "deny", "host": "x.test", "created": "2026-12-06T10:00:00Z", "source": "cli"},
                  {"id": "a2", "action": "maybe", "host": "y.test", "created": "2026-12-06T10:00:00Z", "source": "cli"}
                ]}
                """;
        Files.writeString(file, bad);
        SavedRules s = store();
        s.add(rule("mem00001", RuleAction.ALLOW, "mem.test", null, false));
        SavedRules.Corrupt c = s.load().orElseThrow();
        assertThat(c.problem()).startsWith(file + ":3: ").contains("allow or deny");
        assertThat(file).doesNotExist();
        assertThat(c.movedTo().getFileName().toString()).isEqualTo("rules.json.corrupt-20261206T100000Z");
        assertThat(Files.readString(c.movedTo())).isEqualTo(bad); // kept for the person, byte for byte
        assertThat(s.list()).extracting(SavedRule::id).containsExactly("mem00001"); // in-memory rules stay
    }

    @Test
    void syntaxErrorsAndOtherVersionsNameTheirLine() throws Exception {
        Path file = dir.resolve("rules.json");
        Files.writeString(file, "{\"version\": 1, \"rules\": [\n  {\"id\": \"a1\",\n  oops\n]}\n");
        assertThatThrownBy(() -> RulesFile.read(file)).hasMessageStartingWith(file + ":3: ");
        Files.writeString(file, "{\n\"version\": 2, \"rules\": []}\n");
        assertThatThrownBy(() -> RulesFile.read(file)).hasMessage(file + ":2: version 2 is not 1");
        Files.writeString(file, "{\"rules\": []}\n");
        assertThatThrownBy(() -> RulesFile.read(file)).hasMessage(file + ":1: no \"version\"");
        Files.writeString(file, "{\"version\": 1, \"rules\": [\n{\"id\": \"a1\", \"action\": \"deny\", \"created\": \"2026-12-06T10:00:00Z\", \"source\": \"cli\"}]}");
        assertThatThrownBy(() -> RulesFile.read(file)).hasMessageContaining(":2: ").hasMessageContaining("needs a host");
        Files.writeString(file, "{\"version\": 1, \"rules\": [\n\n{\"id\": \"a1\", \"action\": \"deny\", \"host\": \"a*b.test\", \"created\": \"2026-12-06T10:00:00Z\", \"source\": \"cli\"}]}");
        assertThatThrownBy(() -> RulesFile.read(file)).hasMessageContaining(":3: ").hasMessageContaining("leading label");
        Files.writeString(file, "", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> RulesFile.read(file)).hasMessageStartingWith(file + ":1: ");
    }

    @Test
    void aMissingFileIsNoRules() throws Exception {
        assertThat(RulesFile.read(dir.resolve("none.json"))).isEmpty();
        assertThat(store().load()).isEmpty();
        assertThat(SavedRules.fileFor(Path.of("/run/netext"))).isEqualTo(Path.of("/var/lib/netext/rules.json"));
        assertThat(SavedRules.fileFor(dir)).isEqualTo(dir.resolve("rules.json"));
    }

    @Test
    void idsAreShortAndUnusedByAnyRule() throws Exception {
        SavedRules s = store();
        for (int i = 0; i < 50; i++) s.add(rule(s.newId(), RuleAction.DROP, "h" + i + ".test", null, false));
        List<String> ids = s.list().stream().map(SavedRule::id).toList();
        assertThat(ids).hasSize(50).doesNotHaveDuplicates().allMatch(i -> i.matches("[0-9a-f]{8}"));
    }
}
