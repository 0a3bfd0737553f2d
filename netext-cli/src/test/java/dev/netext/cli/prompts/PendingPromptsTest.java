package dev.netext.cli.prompts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PendingPromptsTest {
    private static final Instant NOW = Instant.parse("2026-12-07T00:00:00Z");

    static JsonNode flow(long id, String state, String outcome, String host) throws Exception {
        return ControlClient.mapper().readTree("""
                {"id":%d,"profile":"web","state":"%s","protocol":"tcp","local":"10.0.0.1:40000","remote":"[2001:db8::2]:443",
                 %s"process":{"pid":42,"executable":"/usr/bin/curl","uid":1000,"label":"curl[42]"},
                 "prompt":{"deadline":"2026-12-07T00:00:30Z","default":"drop","outcome":"%s"},
                 "decided_by":{"kind":"profile","rule":"web#1","match":"host=*.test","action":"prompt"}}
                """.formatted(id, state, host == null ? "" : "\"hostname\":\"" + host + "\",\"hostname_source\":\"tls_sni\",", outcome));
    }

    @Test
    void pausedFlowsWaitOldestFirstUntilAnsweredTimedOutOrClosed() throws Exception {
        PendingPrompts p = new PendingPrompts();
        assertThat(p.current()).isNull();
        assertThat(p.apply(flow(7, "paused", "pending", "b.test"))).isTrue();
        assertThat(p.apply(flow(5, "paused", "pending", "a.test"))).isTrue();
        assertThat(p.apply(flow(9, "open", "allow-once", "c.test"))).isFalse(); // never pending: nothing changes
        assertThat(p.current().id()).isEqualTo(5);
        assertThat(p.size()).isEqualTo(2);
        PendingPrompts.Pending a = p.current();
        assertThat(a.host()).isEqualTo("a.test");
        assertThat(a.port()).isEqualTo("443");
        assertThat(a.address()).isEqualTo("2001:db8::2");
        assertThat(a.processLabel()).isEqualTo("curl[42]");
        assertThat(a.onTimeout()).isEqualTo("drop");

        p.skip();
        assertThat(p.current().id()).isEqualTo(7);
        assertThat(p.apply(flow(3, "paused", "pending", "z.test"))).isTrue(); // a new older one does not take the screen
        assertThat(p.current().id()).isEqualTo(7);
        p.skip();
        assertThat(p.current().id()).isEqualTo(3); // wraps around
        assertThat(p.apply(flow(3, "dropped", "timeout", "z.test"))).isTrue();
        assertThat(p.current().id()).isEqualTo(5);
        p.remove(5);
        assertThat(p.current().id()).isEqualTo(7);
        assertThat(p.expire(NOW.plusSeconds(10))).isFalse();
        assertThat(p.expire(NOW.plusSeconds(30))).isTrue();
        assertThat(p.current()).isNull();
    }

    @Test
    void theScreenShowsProcessHostPortOthersWaitingAndOnlyOfferedKeys() throws Exception {
        PendingPrompts p = new PendingPrompts();
        p.apply(flow(5, "paused", "pending", null));
        p.apply(flow(6, "paused", "pending", "b.test"));
        String s = PromptScreen.render(p.current(), p.size(), NOW.plusSeconds(4), Set.of("allow-once", "deny", "deny-always"), "last: ok");
        assertThat(s).contains("flow 5 of profile web (1 other waits)").contains("curl[42]  /usr/bin/curl  uid 1000")
                .contains("(not named)").contains("443/tcp").contains("2001:db8::2").contains("in 26 s, then drop").contains("asked by   rule web#1: host=*.test")
                .contains("a\033[0m once").contains("D\033[0m always").doesNotContain("for an hour").contains("last: ok");
        assertThat(PromptScreen.render(null, 0, NOW, Set.of(), null)).contains("no flow is waiting");
        assertThat(PromptKeys.answerFor('D').answer()).isEqualTo("deny-always");
        assertThat(PromptKeys.answerFor('x')).isNull();
    }

    @Test
    void theHelpsKeyListSaysWhatTheKeysDo() {
        String footer = String.join("\n", dev.netext.cli.PromptsCommand.class.getAnnotation(picocli.CommandLine.Command.class).footer());
        for (PromptKeys.Key k : PromptKeys.ALLOW) assertThat(footer).contains("allow:").contains(k.key() + " " + k.label());
        for (PromptKeys.Key k : PromptKeys.DENY) assertThat(footer).contains("deny:").contains(k.key() + " " + k.label());
    }
}
