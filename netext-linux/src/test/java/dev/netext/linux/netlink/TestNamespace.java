package dev.netext.linux.netlink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.netext.linux.Root;
import dev.netext.linux.ffm.Libc;
import dev.netext.linux.sys.HostPackages;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Test-only: a throw-away network namespace ({@code ip netns add nxtest-…}), deleted on {@link #close()}. Code that
 * opens sockets runs in it through {@link #runInside}, on a fresh platform thread that has called setns(2) first;
 * sockets stay in the namespace they were created in, whatever thread uses them later.
 */
final class TestNamespace implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    final String name;

    private TestNamespace(String name) {
        this.name = name;
    }

    /** Whether kernel tests can run here: as root; a missing {@code ip} fails them, naming its package. */
    static boolean available() throws IOException {
        if (!Root.isRoot()) return false;
        HostPackages.require("ip");
        return true;
    }

    static TestNamespace create() throws IOException {
        String name = "nxtest-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        check(run(List.of("ip", "netns", "add", name)), "ip netns add " + name);
        return new TestNamespace(name);
    }

    /** Runs {@code ip -n NAME ARGS…}; returns its output, fails on a non-zero exit. */
    String ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", name));
        cmd.addAll(List.of(args));
        return check(run(cmd), String.join(" ", cmd));
    }

    /** Runs {@code ip -n NAME -j ARGS…} and parses the JSON it prints. */
    JsonNode ipJson(String... args) throws IOException {
        List<String> a = new ArrayList<>(List.of("-j"));
        a.addAll(List.of(args));
        String out = ip(a.toArray(String[]::new));
        return JSON.readTree(out.isBlank() ? "[]" : out);
    }

    /** Calls {@code task} on a new platform thread inside this namespace and returns its result. */
    <T> T runInside(Callable<T> task) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("in-" + name).start(() -> {
            try {
                int fd = Libc.open("/run/netns/" + name, Libc.O_RDONLY | Libc.O_CLOEXEC);
                try {
                    Libc.setns(fd, Libc.CLONE_NEWNET);
                } finally {
                    Libc.close(fd);
                }
                result.set(task.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        Throwable f = failure.get();
        if (f instanceof Exception e) throw e;
        if (f instanceof Error e) throw e;
        return result.get();
    }

    @Override
    public void close() throws IOException {
        check(run(List.of("ip", "netns", "del", name)), "ip netns del " + name);
    }

    private record Result(int exit, String out) {}

    private static Result run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd + " timed out");
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static String check(Result r, String what) throws IOException {
        if (r.exit != 0) throw new IOException(what + " failed (" + r.exit + "): " + r.out.strip());
        return r.out;
    }
}
