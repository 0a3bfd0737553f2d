package dev.netext.lab;

import dev.netext.linux.netns.NetworkNamespace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@code netext} command running as its own JVM inside a network namespace — how integration tests and
 * {@code netext sandbox} run netext for real: same class path as this JVM, started through {@code ip netns exec}.
 * Output (stdout and stderr merged) is collected line by line so callers can wait for a line.
 */
public final class NetextProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread pump;

    private NetextProcess(Process process) {
        this.process = process;
        this.pump = Thread.ofPlatform().daemon(true).name("netext-output-" + process.pid()).start(this::pumpOutput);
    }

    /** Starts {@code netext ARGS…} in {@code ns}. */
    public static NetextProcess start(NetworkNamespace ns, String... args) throws IOException {
        return start(ns, Map.of(), args);
    }

    /** {@code netext ARGS…} in {@code ns} with {@code environment} added (a private D-Bus system bus, say). */
    public static NetextProcess start(NetworkNamespace ns, Map<String, String> environment, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.addAll(List.of(args));
        return startCommand(ns, cmd, environment);
    }

    /** {@code netext ARGS…} in {@code ns}, its JVM started with extra {@code jvmOptions} (benchmarks compare flags). */
    public static NetextProcess startWithJvmOptions(NetworkNamespace ns, List<String> jvmOptions, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.addAll(1, jvmOptions);
        cmd.addAll(List.of(args));
        return startCommand(ns, cmd, Map.of());
    }

    /**
     * {@code command} in {@code ns} with {@code environment} added: every start above, and a launcher such as
     * {@code bin/netext} with its arguments — netext as a user starts it, with the launcher's JVM options and AOT
     * cache (benchmarks).
     */
    public static NetextProcess startCommand(NetworkNamespace ns, List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder pb = ns.command(command.toArray(String[]::new)).redirectErrorStream(true);
        pb.environment().putAll(environment);
        return new NetextProcess(pb.start());
    }

    /** {@code netext up PROFILE} in {@code ns}. */
    public static NetextProcess up(NetworkNamespace ns, Path profile) throws IOException {
        return start(ns, "up", profile.toString());
    }

    /**
     * The command line that runs the netext CLI in a fresh JVM with this JVM's class path (and its coverage agent,
     * when it has one: {@link CoverageAgent}).
     */
    public static List<String> javaCommand() {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java));
        CoverageAgent.forChildren().ifPresent(cmd::add);
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.netext.cli.Main"));
        return List.copyOf(cmd);
    }

    private void pumpOutput() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
                synchronized (lines) {
                    lines.notifyAll();
                }
            }
        } catch (IOException ignored) {
            // process gone
        }
        synchronized (lines) {
            lines.notifyAll();
        }
    }

    /** Waits for an output line matching {@code p}; empty if the process ended or the time ran out first. */
    public Optional<String> awaitLine(Predicate<String> p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        synchronized (lines) {
            while (true) {
                for (; seen < lines.size(); seen++) if (p.test(lines.get(seen))) return Optional.of(lines.get(seen));
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!pump.isAlive() && seen == lines.size())) return Optional.empty();
                TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        }
    }

    /** Waits for {@code netext up}'s "connected" line; throws with the whole output if it does not come. */
    public String awaitConnected(Duration timeout) throws InterruptedException {
        return awaitLine(l -> l.contains(" connected on "), timeout)
                .orElseThrow(() -> new IllegalStateException("netext did not connect within " + timeout + ":\n" + output()));
    }

    /** SIGTERM, then waits for exit; returns the exit code. */
    public int terminate(Duration timeout) throws InterruptedException {
        process.toHandle().destroy(); // Process.destroy() would also close our end of its output: keep reading

        return waitFor(timeout);
    }

    /** SIGKILL: nothing of netext runs after this, no shutdown hook, no cleanup. */
    public void kill() throws InterruptedException {
        process.toHandle().destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            throw new IllegalStateException("netext did not exit within " + timeout + ":\n" + output());
        }
        pump.join(2000);
        return process.exitValue();
    }

    public boolean isAlive() { return process.isAlive(); }

    public long pid() { return process.pid(); }

    public List<String> lines() { return List.copyOf(lines); }

    public String output() { return String.join("\n", lines); }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) kill();
        }
    }
}
