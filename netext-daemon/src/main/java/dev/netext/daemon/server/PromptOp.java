package dev.netext.daemon.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.daemon.events.EventJson;
import dev.netext.daemon.flows.PromptAnswer;
import dev.netext.daemon.flows.PromptResponder;

/**
 * The control op {@code prompt}: answers a paused flow's prompt exactly as the dashboard's {@code POST /api/prompts/ID}
 * does (same {@link PromptResponder}: "always", "for an hour" and "until restart" save a rule). Root only, as the
 * dashboard's token is: an answer decides a flow of any user's process and may save a rule for every later one.
 * <pre>
 *   {"op":"prompt"}                                     → {"ok":true,"answers":["allow-once",…]}
 *   {"op":"prompt","flow":ID,"answer":"deny-always"}    → {"ok":true,"outcome":"resumed"}
 *                                                       | {"ok":false,"error":"…","outcome":"not-paused|unknown-flow"}
 * </pre>
 * The first form lists the answers the daemon takes; {@code netext prompts} sends it first, so a caller without the
 * right is refused before it shows a prompt it could not answer.
 */
final class PromptOp {
    private PromptOp() {}

    static ObjectNode handle(JsonNode request, PromptResponder prompts) {
        if (!request.has("flow") && !request.has("answer")) {
            ObjectNode o = ok();
            ArrayNode a = o.putArray("answers");
            for (PromptAnswer p : PromptAnswer.values()) a.add(p.wireName());
            return o;
        }
        long flow = request.path("flow").asLong(0);
        if (flow <= 0) return error("prompt needs a flow id: {\"op\":\"prompt\",\"flow\":ID,\"answer\":\"…\"}");
        PromptAnswer answer = PromptAnswer.parse(request.path("answer").asText(""));
        if (answer == null) return error("prompt: answer is one of " + PromptAnswer.wireNames());
        return switch (prompts.answer(flow, answer)) {
            case RESUMED -> ok().put("outcome", "resumed");
            case NOT_PAUSED -> error("flow " + flow + " is not waiting for an answer (answered, timed out or closed)")
                    .put("outcome", "not-paused");
            case UNKNOWN_FLOW -> error("no flow " + flow + " (see netext flows)").put("outcome", "unknown-flow");
        };
    }

    private static ObjectNode ok() { return EventJson.MAPPER.createObjectNode().put("ok", true); }

    private static ObjectNode error(String message) {
        return EventJson.MAPPER.createObjectNode().put("ok", false).put("error", message);
    }
}
