package dev.netext.daemon.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.events.EventJson;
import dev.netext.daemon.flows.PromptAnswer;
import dev.netext.daemon.flows.PromptResponder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PromptOpTest {
    private final List<String> asked = new ArrayList<>();
    private final PromptResponder responder = (id, a) -> {
        asked.add(id + " " + a.wireName());
        return id == 7 ? PromptResponder.Outcome.RESUMED : id == 8 ? PromptResponder.Outcome.NOT_PAUSED : PromptResponder.Outcome.UNKNOWN_FLOW;
    };

    private JsonNode op(String json) throws Exception {
        return PromptOp.handle(EventJson.MAPPER.readTree(json), responder);
    }

    @Test
    void answersGoToTheResponderWithTheDashboardsNames() throws Exception {
        assertThat(op("{\"op\":\"prompt\"}").path("answers")).hasSize(PromptAnswer.values().length)
                .anyMatch(a -> a.asText().equals("deny-always"));
        assertThat(op("{\"op\":\"prompt\",\"flow\":7,\"answer\":\"deny-always\"}").path("outcome").asText()).isEqualTo("resumed");
        JsonNode late = op("{\"op\":\"prompt\",\"flow\":8,\"answer\":\"allow-hour\"}");
        assertThat(late.path("ok").asBoolean()).isFalse();
        assertThat(late.path("error").asText()).contains("flow 8 is not waiting");
        assertThat(op("{\"op\":\"prompt\",\"flow\":9,\"answer\":\"deny\"}").path("outcome").asText()).isEqualTo("unknown-flow");
        assertThat(asked).containsExactly("7 deny-always", "8 allow-hour", "9 deny");
    }

    @Test
    void aMalformedRequestIsRefusedWithoutAnAnswer() throws Exception {
        assertThat(op("{\"op\":\"prompt\",\"flow\":0,\"answer\":\"deny\"}").path("error").asText()).contains("needs a flow id");
        assertThat(op("{\"op\":\"prompt\",\"flow\":7,\"answer\":\"maybe\"}").path("error").asText()).contains("allow-once|");
        assertThat(asked).isEmpty();
    }
}
