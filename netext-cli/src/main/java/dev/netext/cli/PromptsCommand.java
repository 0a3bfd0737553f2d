package dev.netext.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.cli.console.Tty;
import dev.netext.cli.prompts.PendingPrompts;
import dev.netext.cli.prompts.PromptKeys;
import dev.netext.cli.prompts.PromptScreen;
import dev.netext.daemon.control.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code netext prompts}: the daemon's prompts answered in a terminal, for hosts without a browser. One paused flow
 * at a time (process, host, port, time left, how many others wait); a key answers it through the control op
 * {@code prompt}, with the dashboard's meaning ("always", "for an hour" and "until restart" save a rule). The
 * {@code flows} stream (follow) brings new prompts as they are paused and takes away answered and timed-out ones.
 * <pre>
 *   flows stream ─▶ PendingPrompts ─┐
 *   keys (/dev/tty) ────────────────┼─▶ wake-ups ─▶ loop: redraw; a key ─▶ {"op":"prompt","flow":ID,"answer":…}
 *   a tick each second ─────────────┘                (the countdown; prompts past their deadline go)
 * </pre>
 * Root only, as the dashboard's token: the first request ({@code {"op":"prompt"}}) is refused for anyone else, before
 * anything is drawn.
 */
@Command(name = "prompts", mixinStandardHelpOptions = true,
        description = "Answer the daemon's prompts in this terminal: one paused flow at a time (process, host, port); "
                + "keys allow or deny it once, always, for an hour or until the daemon restarts (a saved rule, as in the dashboard).",
        footer = {"", "Keys:  allow: a once, A always, h for an hour, r until restart",
                "       deny:  d once, D always, H for an hour, R until restart",
                "       n or space: next waiting flow;  q or Ctrl-C: quit",
                "Needs a terminal and root (as the dashboard's token)."})
public final class PromptsCommand implements Callable<Integer> {
    private static final Object CHANGED = new Object(), LOST = new Object(), QUIT = new Object();

    @Mixin
    ControlOption control;

    @Override
    public Integer call() throws Exception {
        if (!Tty.available())
            throw new UserError("netext prompts needs a terminal (it reads single keys); without one, answer through the "
                    + "dashboard (netext dashboard) or its API: POST /api/prompts/ID {\"answer\":\"deny-always\"}", 2);
        Set<String> offered = new LinkedHashSet<>();
        for (JsonNode a : control.call(ControlOption.request("prompt")).path("answers")) offered.add(a.asText());
        PendingPrompts pending = new PendingPrompts();
        BlockingQueue<Object> wake = new LinkedBlockingQueue<>();
        ControlClient stream = control.connect();
        stream.send(ControlOption.request("flows").put("follow", true));
        Thread.ofPlatform().daemon().name("netext-prompts-flows").start(() -> readFlows(stream, pending, wake));
        Signals.onTerminate(() -> wake.add(QUIT));
        PrintStream out = System.out;
        String status = null;
        try (stream; Tty tty = Tty.raw()) {
            InputStream keys = tty.keys();
            Thread.ofPlatform().daemon().name("netext-prompts-keys").start(() -> readKeys(keys, wake));
            while (true) {
                Instant now = Instant.now();
                pending.expire(now);
                out.print(PromptScreen.render(pending.current(), pending.size(), now, offered, status));
                out.flush();
                Object e = wake.poll(1, TimeUnit.SECONDS);
                if (e == null || e == CHANGED) continue;
                if (e == QUIT) return 0;
                if (e == LOST) throw new UserError("lost the connection to the daemon", ControlOption.DAEMON_UNAVAILABLE);
                int key = (Integer) e;
                if (key == PromptKeys.QUIT || key == 4) return 0; // q, or Ctrl-D
                if (key == PromptKeys.NEXT || key == ' ') {
                    pending.skip();
                    continue;
                }
                PromptKeys.Key k = PromptKeys.answerFor(key);
                PendingPrompts.Pending p = pending.current();
                if (k != null && p != null && offered.contains(k.answer())) status = answer(p, k, pending);
            }
        }
    }

    /** Sends the answer; the status line says what happened (a flow that timed out meanwhile is not an error to exit on). */
    private String answer(PendingPrompts.Pending p, PromptKeys.Key k, PendingPrompts pending) {
        String what = "flow " + p.id() + " (" + p.processLabel() + " → " + (p.host() != null ? p.host() : p.address()) + ":" + p.port() + ")";
        try {
            control.call(ControlOption.request("prompt").put("flow", p.id()).put("answer", k.answer()));
            pending.remove(p.id());
            return what + ": " + PromptKeys.describe(k) + (!k.label().equals("once")
                    ? " (saved rule: netext rules list)" : "");
        } catch (UserError e) {
            pending.remove(p.id());
            return what + ": not answered: " + e.getMessage();
        }
    }

    private static void readFlows(ControlClient stream, PendingPrompts pending, BlockingQueue<Object> wake) {
        try {
            String line;
            while ((line = stream.readLine()) != null) {
                JsonNode n = ControlClient.mapper().readTree(line);
                if (n.has("ok")) {
                    if (!n.path("ok").asBoolean()) break;
                    continue;
                }
                if (pending.apply(n.path("flow"))) wake.add(CHANGED);
            }
        } catch (IOException e) {
            // the daemon went away, or we closed the stream on the way out
        }
        wake.add(LOST);
    }

    private static void readKeys(InputStream keys, BlockingQueue<Object> wake) {
        try (keys) {
            int b;
            while ((b = keys.read()) >= 0) {
                if (b == Tty.ESC) { // an arrow or function key: skip the sequence whole, or Up (ESC [ A) would be 'A'
                    Tty.skipEscapeSequence(keys);
                    continue;
                }
                wake.add(b);
            }
        } catch (IOException e) {
            // the terminal went away
        }
        wake.add(QUIT);
    }
}
