package dev.netext.daemon.server;

import dev.netext.api.ThrowingRunnable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * What the lifecycle test's providers do at start, once: while the marker file named by the {@code marker} option
 * exists, the start removes it and fails as the {@code mode} option says — {@code throw-at-start}, {@code throw-later}
 * (a loop it spawned throws 200 ms after a good start) or {@code hang} (the start never returns until interrupted).
 * Every later instance (the marker gone) starts cleanly, so one failure gives one failure and one restart.
 */
final class LifecycleScript {
    static final String MESSAGE = "failing on purpose";

    private LifecycleScript() {}

    static void atStart(Map<String, Object> options, BiConsumer<String, ThrowingRunnable> spawn) throws Exception {
        if (!Files.deleteIfExists(Path.of((String) options.get("marker")))) return;
        switch ((String) options.get("mode")) {
            case "throw-at-start" -> throw new IllegalStateException(MESSAGE);
            case "throw-later" -> spawn.accept("later", () -> {
                Thread.sleep(200);
                throw new IllegalStateException(MESSAGE);
            });
            case "hang" -> Thread.sleep(120_000); // interrupted when the supervisor gives up on the launch
            default -> throw new IllegalArgumentException("mode " + options.get("mode"));
        }
    }
}
