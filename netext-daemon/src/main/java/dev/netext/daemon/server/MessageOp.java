package dev.netext.daemon.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.daemon.events.EventJson;
import dev.netext.daemon.supervisor.CallFailed;

import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeoutException;

/**
 * The control op {@code message}: an app's message to a profile's tunnel provider ({@code sendProviderMessage}).
 * <pre>
 *   {"op":"message","name":"office","data":"BASE64"[,"timeout_ms":5000]}
 *   → {"ok":true,"data":"BASE64"}
 *   | {"ok":false,"error":"…","reason":"no-profile"|"not-running"|"unsupported"|"timeout"|"failed"|"invalid"}
 * </pre>
 * The call waits on the connection's own (virtual) thread while the provider answers on a thread of its run's executor,
 * so a slow provider holds neither the control server nor the provider's packet loops.
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
        if (data.length > PacketTunnelProvider.MAX_APP_MESSAGE_BYTES)
            return error("invalid", "message: " + data.length + " bytes, at most " + PacketTunnelProvider.MAX_APP_MESSAGE_BYTES);
        long ms = request.path("timeout_ms").asLong(DEFAULT_TIMEOUT.toMillis());
        if (ms <= 0 || ms > MAX_TIMEOUT.toMillis()) return error("invalid", "message: timeout_ms is 1.." + MAX_TIMEOUT.toMillis());
        TunnelComponent tunnel;
        try {
            tunnel = supervisor.components(name).stream().filter(TunnelComponent.class::isInstance)
                    .map(TunnelComponent.class::cast).findFirst().orElse(null);
        } catch (UnknownProfileException e) {
            return error("no-profile", e.getMessage());
        }
        if (tunnel == null) return error("no-profile", "profile " + name + " has no tunnel section");
        try {
            byte[] reply = tunnel.message(data, Duration.ofMillis(ms));
            if (reply.length > PacketTunnelProvider.MAX_APP_MESSAGE_BYTES)
                return error("failed", "provider " + name + " answered " + reply.length + " bytes, at most "
                        + PacketTunnelProvider.MAX_APP_MESSAGE_BYTES);
            return EventJson.MAPPER.createObjectNode().put("ok", true).put("data", Base64.getEncoder().encodeToString(reply));
        } catch (IllegalStateException e) {
            return error("not-running", e.getMessage());
        } catch (CallFailed e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnsupportedOperationException)
                return error("unsupported", "provider " + name + " does not handle messages");
            if (cause instanceof TimeoutException)
                return error("timeout", "provider " + name + ": " + e.getMessage());
            return error("failed", "provider " + name + ": " + e.getMessage());
        }
    }

    private static ObjectNode error(String reason, String message) {
        return EventJson.MAPPER.createObjectNode().put("ok", false).put("error", message).put("reason", reason);
    }
}
