package dev.netext.linux.netns;

import dev.netext.linux.sys.HostPackages;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs an external command to completion with a deadline. Output is drained on a virtual thread while the caller
 * waits: a child that fills the pipe buffer would otherwise block forever, and the timeout would fire instead of the
 * real error surfacing.
 */
public final class ProcessRunner {
    /** Default deadline for commands that configure namespaces; generous for a loaded CI machine. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private ProcessRunner() {}

    /** Runs {@code command} in the caller's namespaces; its output is stdout and stderr merged. */
    public static ExecResult run(List<String> command, Duration timeout) throws IOException {
        return run(command, timeout, null);
    }

    static ExecResult run(List<String> command, Duration timeout, Consumer<Process> tracker) throws IOException {
        HostPackages.require(command.getFirst());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE);
        Process p = pb.start();
        if (tracker != null) tracker.accept(p);
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread drainer = Thread.ofVirtual().name("drain " + command.getFirst()).start(() -> drain(p.getInputStream(), out));
        boolean finished;
        try {
            finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            drainer.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
        String text;
        synchronized (out) {
            text = out.toString(StandardCharsets.UTF_8);
        }
        return new ExecResult(command, finished ? p.exitValue() : -1, text, !finished);
    }

    private static void drain(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (out) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // The stream closes under us when a timed-out process is killed: keep what was read.
        }
    }
}
