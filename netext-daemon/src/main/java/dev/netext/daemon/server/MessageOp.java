package dev.netext.daemon.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.api.Provider;
import dev.netext.daemon.events.EventJson;
import dev.netext.daemon.supervisor.CallFailed;

import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The control op {@code message}: an app's message to one of a profile's providers ({@code sendProviderMessage}).
 * <pre>
 *   {"op":"message","name":"office","data":"BASE64"[,"provider":"tunnel"|"dns"|"packet-filter"|"filter"|"proxy:NAME"]
 *    [,"timeout_ms":5000]}
 *   → {"ok":true,"data":"BASE64"}
 *   | {"ok":false,"error":"…","reason":"no-profile"|"no-provider"|"not-running"|"unsupported"|"timeout"|"busy"|"failed"|"invalid"}
 * </pre>
 * Without {@code provider}: the tunnel when the profile has one, else its only provider that takes messages; a profile
 * with several and no tunnel must name one. The call waits on the connection's own (virtual) thread while the
 * provider answers on a thread of its run's executor, so a slow provider holds neither the control server nor the
 * provider's packet loops; a provider with {@code ProviderRun.MAX_MESSAGES_IN_FLIGHT} messages running is "busy".
 */
final class MessageOp {
    /** How long the provider may take unless the request says otherwise (NE gives no limit; a CLI needs one). */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** The longest a request may ask for. */
    static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

    private MessageOp() {}

    static ObjectNode answer(JsonNode request, Supervisor supervisor) throws InterruptedException {
        String name = request.path("name").asText("");
        if (name.isEmpty()) return error("invalid", "message needs a profile name: {\"op\":\"message\",\"name\":\"…\",\"data\":\"BASE64\"}");
        byte[] data;
        try {
            data = Base64.getDecoder().decode(request.path("data").asText(""));
        } catch (IllegalArgumentException e) {
            return error("invalid", "message: data is not base64: " + e.getMessage());
        }
        if (data.length > Provider.MAX_APP_MESSAGE_BYTES)
            return error("invalid", "message: " + data.length + " bytes, at most " + Provider.MAX_APP_MESSAGE_BYTES);
        long ms = request.path("timeout_ms").asLong(DEFAULT_TIMEOUT.toMillis());
        if (ms <= 0 || ms > MAX_TIMEOUT.toMillis()) return error("invalid", "message: timeout_ms is 1.." + MAX_TIMEOUT.toMillis());
        Map<String, MessageTarget> targets = new LinkedHashMap<>();
        try {
            for (ProfileComponent c : supervisor.components(name)) targets.putAll(c.messageTargets());
        } catch (UnknownProfileException e) {
            return error("no-profile", e.getMessage());
        }
        String asked = request.path("provider").asText("");
        String chosen = !asked.isEmpty() ? asked
                : targets.containsKey("tunnel") ? "tunnel" : targets.size() == 1 ? targets.keySet().iterator().next() : null;
        if (targets.isEmpty()) return error("no-provider", "profile " + name + " has no provider that takes messages");
        if (chosen == null)
            return error("invalid", "profile " + name + " has providers " + String.join(", ", targets.keySet()) + ": name one (--provider)");
        MessageTarget target = targets.get(chosen);
        if (target == null)
            return error("no-provider", "profile " + name + " has no provider '" + chosen + "' (it has: "
                    + String.join(", ", targets.keySet()) + ")");
        String who = chosen.equals("tunnel") ? name : name + " " + chosen;
        try {
            byte[] reply = target.message(data, Duration.ofMillis(ms));
            if (reply.length > Provider.MAX_APP_MESSAGE_BYTES)
                return error("failed", "provider " + who + " answered " + reply.length + " bytes, at most "
                        + Provider.MAX_APP_MESSAGE_BYTES);
            return EventJson.MAPPER.createObjectNode().put("ok", true).put("data", Base64.getEncoder().encodeToString(reply));
        } catch (IllegalStateException e) {
            return error("not-running", e.getMessage());
        } catch (CallFailed e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnsupportedOperationException)
                return error("unsupported", "provider " + who + " does not handle messages");
            if (cause instanceof TimeoutException)
                return error("timeout", "provider " + who + ": " + e.getMessage());
            if (cause instanceof RejectedExecutionException)
                return error("busy", "provider " + who + ": " + e.getMessage());
            return error("failed", "provider " + who + ": " + e.getMessage());
        }
    }

    private static ObjectNode error(String reason, String message) {
        return EventJson.MAPPER.createObjectNode().put("ok", false).put("error", message).put("reason", reason);
    }
}
