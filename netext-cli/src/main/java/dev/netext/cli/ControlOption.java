package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.daemon.control.ControlException;
import dev.netext.daemon.control.DaemonUnavailableException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** {@code --control PATH} for the commands that talk to the daemon, and the one-request helper they share. */
public final class ControlOption {
    /** Exit code when the daemon cannot be reached (as {@code systemctl status} says 3 for "not running"). */
    static final int DAEMON_UNAVAILABLE = 3;

    @Option(names = "--control", paramLabel = "SOCKET", description = "The daemon's control socket (default: ${DEFAULT-VALUE}).")
    Path socket = ControlClient.DEFAULT_SOCKET;

    ControlClient connect() {
        try {
            return ControlClient.connect(socket);
        } catch (DaemonUnavailableException e) {
            throw new UserError(e.getMessage(), DAEMON_UNAVAILABLE);
        }
    }

    /** Sends {@code request}, returns the reply; an error reply becomes a {@link UserError} (exit 1). */
    JsonNode call(ObjectNode request) {
        try (ControlClient c = connect()) {
            return c.call(request);
        } catch (ControlException e) {
            StringBuilder sb = new StringBuilder(e.getMessage());
            for (JsonNode err : e.reply().path("errors")) sb.append('\n').append(err.asText());
            throw new UserError(sb.toString(), 1);
        } catch (IOException e) {
            throw new UserError("lost the connection to the daemon: " + e.getMessage(), DAEMON_UNAVAILABLE);
        }
    }

    static ObjectNode request(String op) {
        return ControlClient.mapper().createObjectNode().put("op", op);
    }
}
