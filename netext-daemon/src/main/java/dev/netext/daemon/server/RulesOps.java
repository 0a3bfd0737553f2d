package dev.netext.daemon.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.api.net.IpPrefix;
import dev.netext.daemon.events.EventJson;
import dev.netext.daemon.rules.RulesFile;
import dev.netext.daemon.rules.SavedRule;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The control op {@code rules} (root only, as every op not in {@code ControlAccess.MEMBER_COMMANDS}):
 * <pre>
 *   {"op":"rules","action":"list"}                                → {"ok":true,"file":…,"warning":…,"rules":[…]}
 *   {"op":"rules","action":"add","rule":{"action":"allow|deny","host":…,"process":…,"cidr":…,"port":N,
 *                                        "profile":…},"for_ms":N}  → {"ok":true,"rule":{…}}
 *   {"op":"rules","action":"delete","id":"ID"}                    → {"ok":true} | {"ok":false,"error":"no rule ID"}
 * </pre>
 */
final class RulesOps {
    private RulesOps() {}

    static ObjectNode handle(JsonNode request, SavedRulesKeeper keeper) throws IOException {
        String action = request.path("action").asText("");
        return switch (action) {
            case "list" -> {
                ObjectNode o = ok();
                if (keeper.rules().file() != null) o.put("file", keeper.rules().file().toString());
                if (keeper.warning() != null) o.put("warning", keeper.warning());
                o.set("rules", RulesFile.json(keeper.rules().list()));
                yield o;
            }
            case "add" -> {
                SavedRule r;
                try {
                    r = rule(request.path("rule"), request.path("for_ms").asLong(0), keeper);
                } catch (RuntimeException e) {
                    yield error(e.getMessage());
                }
                keeper.add(r);
                ObjectNode o = ok();
                o.set("rule", RulesFile.json(r));
                yield o;
            }
            case "delete" -> {
                String id = request.path("id").asText("");
                yield keeper.delete(id) ? ok() : error("no rule " + id + " (netext rules list shows them)");
            }
            default -> error("rules needs an action: list, add or delete");
        };
    }

    private static SavedRule rule(JsonNode j, long forMs, SavedRulesKeeper keeper) {
        if (forMs < 0) throw new IllegalArgumentException("--for must be positive");
        Instant now = keeper.rules().now();
        String process = text(j, "process"), cidr = text(j, "cidr");
        return new SavedRule(keeper.rules().newId(), RulesFile.action(text(j, "action")), text(j, "host"),
                process == null ? null : Path.of(process), cidr == null ? null : IpPrefix.parse(cidr),
                j.hasNonNull("port") ? j.get("port").asInt() : null, text(j, "profile"), now,
                forMs == 0 ? null : now.plus(Duration.ofMillis(forMs)), "cli", true, RulesFile.direction(text(j, "direction")));
    }

    private static String text(JsonNode j, String key) {
        return j.hasNonNull(key) ? j.get(key).asText() : null;
    }

    private static ObjectNode ok() { return EventJson.MAPPER.createObjectNode().put("ok", true); }

    private static ObjectNode error(String message) {
        return EventJson.MAPPER.createObjectNode().put("ok", false).put("error", message);
    }
}
