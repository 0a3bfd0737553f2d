package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.daemon.profile.Checks;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

import java.io.PrintStream;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code netext rules list|add|delete}: the daemon's saved rules — prompt answers and rules added here — kept in its
 * rules file and tried before every profile's own rules (root only, over the control socket).
 */
@Command(name = "rules", mixinStandardHelpOptions = true,
        description = "List, add and delete the daemon's saved rules (prompt answers and rules added here).",
        subcommands = {RulesCommand.ListRules.class, RulesCommand.AddRule.class, RulesCommand.DeleteRule.class})
public final class RulesCommand implements Runnable {
    @Override
    public void run() {
        throw new UserError("netext rules needs list, add or delete (netext rules --help)", 2);
    }

    static final String HEADER = String.format("%-8s  %-5s  %-30s  %-22s  %-10s  %-7s  %s",
            "ID", "ACTION", "MATCH", "PROFILE", "SOURCE", "KEPT", "EXPIRES");

    /** {@code netext rules list [--json]}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "The saved rules, in the order they are tried.")
    static final class ListRules implements Runnable {
        @Mixin
        ControlOption control;

        @Option(names = "--json", description = "The control API's reply: {\"rules\":[{id, action, host, …}], \"file\":…}.")
        boolean json;

        @Override
        public void run() {
            JsonNode r = control.call(ControlOption.request("rules").put("action", "list"));
            PrintStream out = System.out;
            if (json) {
                out.println(r.toString());
                return;
            }
            if (r.hasNonNull("warning")) System.err.println("netext: warning: " + r.path("warning").asText());
            out.println(HEADER);
            for (JsonNode n : r.path("rules")) {
                out.println(String.format("%-8s  %-5s  %-30s  %-22s  %-10s  %-7s  %s", n.path("id").asText(),
                        n.path("action").asText(), match(n), n.path("profile").asText("*"), n.path("source").asText(),
                        n.path("persistent").asBoolean() ? "file" : "memory", n.path("expires").asText("never")));
            }
        }

        private static String match(JsonNode n) {
            StringBuilder b = new StringBuilder();
            for (String k : new String[] {"direction", "host", "process", "cidr", "port"}) {
                if (n.hasNonNull(k)) b.append(b.isEmpty() ? "" : " ").append(k).append('=').append(n.get(k).asText());
            }
            return b.toString();
        }
    }

    /** {@code netext rules add --action allow|deny [--host …] [--process …] [--cidr …] [--port N] [--profile …] [--for D]}. */
    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a rule, tried before every profile's own rules (or only NAME's with --profile).")
    static final class AddRule implements Runnable {
        @Mixin
        ControlOption control;

        @Option(names = "--action", required = true, paramLabel = "allow|deny", description = "What the rule does.")
        String action;

        @Option(names = "--host", paramLabel = "NAME|*.SUFFIX", description = "The flow's host name, exactly or a suffix.")
        String host;

        @Option(names = "--process", paramLabel = "PATH", description = "The executable's path, exactly.")
        String process;

        @Option(names = "--cidr", paramLabel = "CIDR", description = "The remote address is in this prefix.")
        String cidr;

        @Option(names = "--port", paramLabel = "N", converter = OptionRange.PositiveInt.class, description = "The remote port.")
        Integer port;

        @Option(names = "--direction", paramLabel = "in|out",
                description = "in: connections other hosts open to local services (--port is the local service's); out (the default): connections this host opens.")
        String direction;

        @Option(names = "--profile", paramLabel = "NAME", description = "Only flows of this profile (default: all).")
        String profile;

        @Option(names = "--for", paramLabel = "DURATION", converter = DurationOption.class,
                description = "Expire after this long: 30s, 10m, 1h, 2d (default: never).")
        Duration forDuration;

        @Override
        public void run() {
            if (!action.equals("allow") && !action.equals("deny")) throw new UserError("--action is allow or deny, not " + action, 2);
            if (direction != null && !direction.equals("in") && !direction.equals("out"))
                throw new UserError("--direction is in or out, not " + direction, 2);
            if (host == null && process == null && cidr == null && port == null)
                throw new UserError("a rule needs --host, --process, --cidr or --port", 2);
            ObjectNode req = ControlOption.request("rules").put("action", "add");
            ObjectNode rule = req.putObject("rule").put("action", action);
            if (host != null) rule.put("host", host);
            if (process != null) rule.put("process", process);
            if (cidr != null) rule.put("cidr", cidr);
            if (port != null) rule.put("port", port);
            if (direction != null) rule.put("direction", direction);
            if (profile != null) rule.put("profile", profile);
            if (forDuration != null) req.put("for_ms", forDuration.toMillis());
            JsonNode r = control.call(req);
            System.out.println("netext: added rule " + r.path("rule").path("id").asText()
                    + (r.path("rule").hasNonNull("expires") ? " (expires " + r.path("rule").path("expires").asText() + ")" : ""));
        }
    }

    /** {@code netext rules delete ID}. */
    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a saved rule by its id.")
    static final class DeleteRule implements Runnable {
        @Mixin
        ControlOption control;

        @Parameters(paramLabel = "ID", description = "The rule's id (netext rules list shows them).")
        String id;

        @Override
        public void run() {
            control.call(ControlOption.request("rules").put("action", "delete").put("id", id));
            System.out.println("netext: deleted rule " + id);
        }
    }

    /** {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, {@code 2d}: a positive duration. */
    static final class DurationOption implements ITypeConverter<Duration> {
        private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

        @Override
        public Duration convert(String value) {
            Matcher m = FORM.matcher(value.strip());
            if (!m.matches() || Long.parseLong(m.group(1)) == 0)
                throw new TypeConversionException("'" + value + "' is not a duration like 30s, 10m, 1h or 2d");
            return Checks.duration(Long.parseLong(m.group(1)), m.group(2));
        }
    }
}
