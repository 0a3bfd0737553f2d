package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.daemon.control.ControlDeniedException;
import dev.netext.daemon.control.ControlException;
import dev.netext.daemon.control.ControlServer;
import dev.netext.daemon.control.DaemonUnavailableException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/** {@code --control PATH} for the commands that talk to the daemon, and the one-request helper they share. */
public final class ControlOption {
    /** Exit code when the daemon cannot be reached (as {@code systemctl status} says 3 for "not running"). */
    static final int DAEMON_UNAVAILABLE = 3;
    /**
     * Exit code when the daemon refuses the caller (not root, or a command members of the control group may not run),
     * as sysexits.h's EX_NOPERM.
     */
    static final int PERMISSION_DENIED = 77;

    @Option(names = "--control", paramLabel = "SOCKET", description = "The daemon's control socket (default: ${DEFAULT-VALUE}).")
    Path socket = ControlClient.DEFAULT_SOCKET;

    ControlClient connect() {
        try {
            return ControlClient.connect(socket);
        } catch (DaemonUnavailableException e) {
            throw unavailable(e);
        }
    }

    /** The exit code says whether the daemon is not there or refused us. */
    static UserError unavailable(DaemonUnavailableException e) {
        return new UserError(e.getMessage(), e instanceof ControlDeniedException ? PERMISSION_DENIED : DAEMON_UNAVAILABLE);
    }

    /** An error reply as the user's error: a refusal by the permission check exits {@value #PERMISSION_DENIED}, others 1. */
    static UserError failure(JsonNode reply) {
        StringBuilder sb = new StringBuilder(reply.path("error").asText("request failed"));
        for (JsonNode err : reply.path("errors")) sb.append('\n').append(err.asText());
        return new UserError(sb.toString(), reply.path(ControlServer.DENIED).asBoolean(false) ? PERMISSION_DENIED : 1);
    }

    /** Sends {@code request}, returns the reply; an error reply becomes a {@link UserError} (exit 1). */
    JsonNode call(ObjectNode request) {
        try (ControlClient c = connect()) {
            return c.call(request);
        } catch (ControlException e) {
            throw failure(e.reply());
        } catch (IOException e) {
            throw new UserError("lost the connection to the daemon: " + e.getMessage(), DAEMON_UNAVAILABLE);
        }
    }

    /**
     * Sends {@code request} on {@code c} and prints its answer lines as {@code format} makes them (null: skip the
     * line) until the daemon's {@code {"ok":…}} line ends the answer; with {@code follow}, lines after it too, until
     * Ctrl-C or the daemon closes the connection (a lost connection is then the normal end). Closes {@code c}.
     */
    static void printLines(ControlClient c, ObjectNode request, boolean follow, LineFormat format) {
        PrintStream out = System.out;
        if (follow) Signals.onTerminate(c::close);
        try (c) {
            c.send(request);
            String line;
            while ((line = c.readLine()) != null) {
                if (line.startsWith("{\"ok\"")) {
                    JsonNode n = ControlClient.mapper().readTree(line);
                    if (!n.path("ok").asBoolean()) throw failure(n);
                    if (!follow) break; // the end of what there was
                    continue;
                }
                String text = format.line(line);
                if (text == null) continue;
                out.println(text);
                out.flush();
            }
        } catch (IOException e) {
            if (!follow) throw new UserError("lost the connection to the daemon: " + e.getMessage(), DAEMON_UNAVAILABLE);
        }
    }

    /** One answer line as printed, or null to skip it. */
    interface LineFormat {
        String line(String json) throws IOException;
    }

    static ObjectNode request(String op) {
        return ControlClient.mapper().createObjectNode().put("op", op);
    }
}
