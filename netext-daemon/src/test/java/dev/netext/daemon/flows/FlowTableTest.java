package dev.netext.daemon.flows;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.rules.SavedRules;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static dev.netext.daemon.flows.TestFlows.*;
import static org.assertj.core.api.Assertions.assertThat;

class FlowTableTest {
    private final EventLog log = new EventLog();
    private final FlowServices services = FlowServices.on(log);
    private final FlowTable table = services.table();

    @Test
    void aFlowGoesFromDecidingToOpenToClosedWithItsBytes() {
        open(log, "p", flow(1, "a.test"));
        assertThat(table.get(1).state()).isEqualTo("deciding");
        assertThat(table.get(1).verdict()).isNull();
        verdict(log, "p", 1, FinalVerdict.ALLOW);
        FlowRecord r = table.get(1);
        assertThat(r.state()).isEqualTo("open");
        assertThat(r.proxy()).isEqualTo("direct");
        assertThat(r.bytesIn()).isEqualTo(-1);
        close(log, "p", 1, 300, 70);
        r = table.get(1);
        assertThat(r.state()).isEqualTo("closed");
        assertThat(r.bytesIn()).isEqualTo(300);
        assertThat(r.bytesOut()).isEqualTo(70);
        assertThat(r.processLabel()).isEqualTo("curl[4242]");
        assertThat(r.hostname()).isEqualTo("a.test");
        assertThat(r.hostnameSource()).isEqualTo("http_host");
        assertThat(r.prompt()).isNull();
        assertThat(r.updated()).isEqualTo(log.lastSequence());
    }

    @Test
    void anAnsweredPromptShowsTheAnswerAndAnUnansweredOneTheTimeout() {
        open(log, "p", flow(1, "once.test"));
        prompt(log, "p", 1, Duration.ofSeconds(30));
        FlowRecord paused = table.get(1);
        assertThat(paused.state()).isEqualTo("paused");
        assertThat(paused.prompt().outcome()).isEqualTo("pending");
        assertThat(paused.prompt().defaultVerdict()).isEqualTo("drop");
        assertThat(paused.prompt().deadline()).isAfter(Instant.now().plusSeconds(25)).isBefore(Instant.now().plusSeconds(31));
        assertThat(table.noteAnswer(1, PromptAnswer.ALLOW_ONCE)).isTrue();
        verdict(log, "p", 1, FinalVerdict.ALLOW);
        assertThat(table.get(1).prompt().outcome()).isEqualTo("allow-once");
        assertThat(table.get(1).verdict()).isEqualTo("allow");

        open(log, "p", flow(2, "late.test"));
        prompt(log, "p", 2, Duration.ofSeconds(1));
        verdict(log, "p", 2, FinalVerdict.DROP); // the engine's timeout: the default verdict
        FlowRecord late = table.get(2);
        assertThat(late.prompt().outcome()).isEqualTo("timeout");
        assertThat(late.state()).isEqualTo("dropped");
        assertThat(late.verdict()).isEqualTo("drop");
        close(log, "p", 2, 0, 0);
        assertThat(table.get(2).state()).isEqualTo("dropped");
        assertThat(table.noteAnswer(2, PromptAnswer.DENY)).as("no longer paused").isFalse();
        assertThat(table.noteAnswer(99, PromptAnswer.DENY)).isFalse();
    }

    @Test
    void sinceGivesChangedRowsInChangeOrderAndTheTableKeepsOnlyRecentFinishedFlows() throws Exception {
        open(log, "p", flow(1, null));
        open(log, "p", flow(2, null));
        long mark = table.lastChange();
        verdict(log, "p", 1, FinalVerdict.ALLOW);
        assertThat(table.since(mark)).extracting(FlowRecord::id).containsExactly(1L);
        assertThat(table.awaitChange(mark, Duration.ofMillis(10))).isGreaterThan(mark);
        assertThat(table.awaitChange(table.lastChange(), Duration.ofMillis(50))).isEqualTo(table.lastChange());
        for (long id = 3; id < 3 + FlowTable.RECENT_CLOSED + 10; id++) {
            open(log, "p", flow(id, null));
            verdict(log, "p", id, FinalVerdict.ALLOW);
            close(log, "p", id, 1, 1);
        }
        assertThat(table.all()).hasSize(FlowTable.RECENT_CLOSED + 2); // two still open, the last 512 finished
        assertThat(table.get(1)).isNotNull();
        assertThat(table.get(3)).as("the oldest finished flows go first").isNull();
        // events for unknown flows change nothing
        long before = table.lastChange();
        verdict(log, "p", 100_000, FinalVerdict.ALLOW);
        assertThat(table.lastChange()).isEqualTo(before);
    }

    @Test
    void anInboundFlowSaysSoAndNamesTheServer() {
        open(log, "p", flow(1, "a.test"));
        ProcessInfo server = ProcessInfo.builder().pid(77).executable(Path.of("/usr/bin/python3.13")).uid(0).build();
        TcpFlow in = new TcpFlow(2, Direction.INBOUND, Endpoint.parse("10.0.0.1:8000"), Endpoint.parse("10.0.0.9:51000"),
                server, Optional.empty(), Optional.empty(), Instant.now());
        open(log, "p", in);
        verdict(log, "p", 2, FinalVerdict.DROP);
        assertThat(table.get(1).direction()).isEqualTo("out");
        verdict(log, "p", 1, FinalVerdict.ALLOW);
        assertThat(table.get(1).proxy()).isEqualTo("direct");
        FlowRecord r = table.get(2);
        assertThat(r.direction()).isEqualTo("in");
        assertThat(r.state()).isEqualTo("dropped");
        assertThat(r.processLabel()).isEqualTo("python3.13[77]");
        open(log, "p", new TcpFlow(3, Direction.INBOUND, in.local(), Endpoint.parse("10.0.0.9:51001"), server,
                Optional.empty(), Optional.empty(), Instant.now()));
        verdict(log, "p", 3, FinalVerdict.ALLOW);
        assertThat(table.get(3).state()).isEqualTo("open");
        assertThat(table.get(3).proxy()).as("the kernel delivers it: no route").isNull();
        assertThat(FlowJson.toJson(r).toString()).contains("\"direction\":\"in\"").contains("\"local\":\"10.0.0.1:8000\"")
                .contains("\"remote\":\"10.0.0.9:51000\"");
    }

    @Test
    void theRuleThatDecidedIsKeptEvenWhenNamedBeforeTheFlowOpened() {
        log.publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, "p", 1, FlowTable.PROFILE_RULE_MESSAGE,
                Map.of("rule", "p#2", "match", "host=*.test", "action", "prompt")));
        open(log, "p", flow(1, "a.test"));
        prompt(log, "p", 1, Duration.ofSeconds(30));
        assertThat(table.get(1).decidedBy()).isEqualTo(new FlowRecord.DecidedBy("profile", "p#2", "host=*.test", "prompt"));
        assertThat(FlowJson.toJson(table.get(1)).path("decided_by").toString())
                .isEqualTo("{\"kind\":\"profile\",\"rule\":\"p#2\",\"match\":\"host=*.test\",\"action\":\"prompt\"}");
        open(log, "p", flow(2, "b.test"));
        log.publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, "p", 2,
                SavedRules.DECIDED_MESSAGE, Map.of("rule", "ab12cd34", "action", "deny")));
        verdict(log, "p", 2, FinalVerdict.DROP);
        assertThat(FlowJson.toJson(table.get(2)).path("decided_by").toString()).isEqualTo("{\"kind\":\"saved\",\"rule\":\"ab12cd34\"}");
    }
}
