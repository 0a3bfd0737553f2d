package dev.netext.linux.netns;

import java.io.IOException;
import java.util.List;

/**
 * How a command run by {@link NetworkNamespace#run} ended: its exit code and its combined stdout and stderr.
 *
 * @param command  the command line, for messages
 * @param exitCode the exit code, or -1 if it was killed on timeout
 * @param output   stdout and stderr interleaved, as a user would have seen them
 * @param timedOut whether the command ran past its timeout and was killed
 */
public record ExecResult(List<String> command, int exitCode, String output, boolean timedOut) {
    public ExecResult {
        command = List.copyOf(command);
    }

    public boolean ok() {
        return exitCode == 0 && !timedOut;
    }

    /** This result if the command succeeded; otherwise an exception quoting the command and its output. */
    public ExecResult orThrow() throws IOException {
        if (ok()) return this;
        String how = timedOut ? "timed out" : "exited with " + exitCode;
        throw new IOException(String.join(" ", command) + " " + how + (output.isBlank() ? "" : ": " + output.strip()));
    }
}
