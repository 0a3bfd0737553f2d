package dev.netext.cli.console;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

import java.net.URL;

/**
 * netext's logging, set up in code (logback finds it through {@code META-INF/services}): every record to stderr as a
 * {@link ConsoleLine}, at the level {@code NETEXT_LOG_LEVEL} names (INFO when unset). A {@code logback.xml} or
 * {@code logback-test.xml} on the class path, or {@code -Dlogback.configurationFile}, still wins: this then steps
 * aside for logback's own reader.
 */
public final class ConsoleLogging extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null || onClassPath("logback-test.xml") || onClassPath("logback.xml")) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        ConsoleLine layout = new ConsoleLine();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getenv("NETEXT_LOG_LEVEL"), Level.INFO));
        root.addAppender(stderr);
        // The Kafka exporter reports an unreachable broker itself (rate-limited); the client would warn on every
        // reconnect, and dumps its whole configuration at INFO.
        context.getLogger("org.apache.kafka").setLevel(Level.WARN);
        context.getLogger("org.apache.kafka.clients.NetworkClient").setLevel(Level.ERROR);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /**
     * Whether {@code resource} is on the class path outside netext's own jar: netext ships none, so one in its own jar
     * or classes directory is a leftover of a build before this class (an incremental build keeps deleted resources).
     */
    private static boolean onClassPath(String resource) {
        URL found = ConsoleLogging.class.getClassLoader().getResource(resource);
        if (found == null) return false;
        URL own = ConsoleLogging.class.getProtectionDomain().getCodeSource().getLocation();
        return own == null || !found.toString().contains(own.getPath());
    }
}
