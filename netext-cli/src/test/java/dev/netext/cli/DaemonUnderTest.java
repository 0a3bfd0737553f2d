package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.daemon.control.ControlClient;
import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.NetworkNamespace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code netext daemon} as a child JVM in a namespace, with the test's own profiles, socket, state and events file. */
final class DaemonUnderTest implements AutoCloseable {
    static final Duration START = Duration.ofSeconds(30);

    final NetworkNamespace ns;
    final Path profiles, socket, state, events, plugins;
    final NetextProcess process;
    final String metricsUrl;
    /** The dashboard's URL with its token, or null when off. */
    final String dashboardUrl;

    DaemonUnderTest(NetworkNamespace ns, Path dir, String... extra) throws Exception {
        this.ns = ns;
        this.profiles = Files.createDirectories(dir.resolve("profiles.d"));
        this.plugins = Files.createDirectories(dir.resolve("shared-plugins"));
        this.socket = dir.resolve("run/control.sock");
        int stateArg = List.of(extra).indexOf("--state-dir"); // a test may share the state directory between daemons
        this.state = stateArg >= 0 ? Path.of(extra[stateArg + 1]) : dir.resolve("run/state");
        this.events = dir.resolve("events.jsonl");
        List<String> args = new ArrayList<>(List.of("daemon", "--profiles-dir", profiles.toString(), "--control", socket.toString(),
                "--plugins-dir", plugins.toString(), "--metrics", "127.0.0.1:0", "--dashboard", "127.0.0.1:0",
                "--events-file", events.toString(), "--restart-delay", "200", "--restart-max-delay", "800"));
        if (stateArg < 0) args.addAll(List.of("--state-dir", state.toString()));
        args.addAll(List.of(extra));
        this.process = NetextProcess.start(ns, args.toArray(String[]::new));
        String ready = process.awaitLine(l -> l.contains("netext daemon: ready") || l.contains("nothing was started"), START)
                .orElseThrow(() -> new IllegalStateException("daemon did not start:\n" + process.output()));
        if (!ready.contains("ready")) throw new IllegalStateException("daemon refused to start:\n" + process.output());
        Matcher m = Pattern.compile("metrics (http://[^;\\s]+)").matcher(ready);
        this.metricsUrl = m.find() ? m.group(1) : null;
        // the token is never in the daemon's output: the URL with it comes over the control socket, as netext dashboard gets it
        String dash = call("status", null).path("daemon").path("dashboard").asText("");
        this.dashboardUrl = dash.isEmpty() ? null : dash;
    }

    /** Profile {@code name}: a tunnel of built-in {@code provider} (echo, pong) on {@code iface}, {@code address/24}, no routes. */
    static String tunnelProfile(String provider, String name, String iface, String address) {
        return """
                name: %s
                tunnel:
                  provider: %s
                  interface: %s
                  settings:
                    addresses: [%s/24]
                    routes: []
                """.formatted(name, provider, iface, address);
    }

    /**
     * Profile {@code web}: a flow filter that asks about {@code *.prompt.test} (unanswered for 60 s: drop) and allows
     * the rest, for tests that need a flow held by a prompt.
     */
    static final String PROMPTING_WEB = """
            name: web
            filter:
              rules:
                - { host: "*.prompt.test", action: prompt }
              default: allow
              prompt-timeout: 60s
              prompt-default: drop
            """;

    /** Adds {@link #PROMPTING_WEB}, reloads, and waits until its filter is connected. */
    void startPromptingWeb() throws Exception {
        profile("web.yaml", PROMPTING_WEB);
        String reload = cli("reload").output();
        if (!reload.contains("started web")) throw new IllegalStateException("web did not start:\n" + reload);
        awaitComponent("web", comp -> comp.path("status").asText().equals("connected"), START);
    }

    Path profile(String file, String yaml) throws Exception {
        return Files.writeString(profiles.resolve(file), yaml);
    }

    JsonNode call(String op, String name) throws Exception {
        try (ControlClient c = ControlClient.connect(socket)) {
            var req = ControlClient.mapper().createObjectNode().put("op", op);
            if (name != null) req.put("name", name);
            return c.call(req);
        }
    }

    JsonNode profileStatus(String name) throws Exception {
        for (JsonNode p : call("status", null).path("profiles")) if (p.path("name").asText().equals(name)) return p;
        return null;
    }

    /** The first component of {@code name}, once it satisfies {@code p}; fails with the status after {@code timeout}. */
    JsonNode awaitComponent(String name, Predicate<JsonNode> p, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            JsonNode s = profileStatus(name);
            last = s;
            if (s != null && !s.path("components").isEmpty() && p.test(s.path("components").get(0))) return s.path("components").get(0);
            Thread.sleep(100);
        }
        throw new AssertionError("profile " + name + " did not reach the state in " + timeout + "; last status: " + last
                + "\n" + process.output());
    }

    /** Runs {@code netext ARGS… --control SOCKET} as a CLI child process and returns it after it exited. */
    NetextProcess cli(String... args) throws Exception {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--control");
        a.add(socket.toString());
        NetextProcess p = NetextProcess.start(ns, a.toArray(String[]::new));
        p.waitFor(START);
        return p;
    }

    /** The flows {@code netext flows --json} lists now. */
    List<JsonNode> flows() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : cli("flows", "--json").lines()) if (l.startsWith("{")) out.add(ControlClient.mapper().readTree(l));
        return out;
    }

    /** Polls {@link #flows} until one matches {@code p}, for at most {@code timeout}; fails naming {@code what}. */
    JsonNode awaitFlow(String what, Predicate<JsonNode> p, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JsonNode> last = List.of();
        while (System.nanoTime() < deadline) {
            last = flows();
            for (JsonNode f : last) if (p.test(f)) return f;
            Thread.sleep(200);
        }
        throw new AssertionError("no " + what + " in " + timeout + ":\n" + last);
    }

    String scrape() throws Exception {
        return ns.run(Duration.ofSeconds(10), "curl", "-sS", "--max-time", "5", metricsUrl).orThrow().output();
    }

    List<JsonNode> exportedEvents() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(events)) return out;
        for (String l : Files.readAllLines(events)) out.add(ControlClient.mapper().readTree(l));
        return out;
    }

    int stop() throws Exception {
        return process.terminate(START);
    }

    @Override
    public void close() throws Exception {
        process.close();
    }
}
