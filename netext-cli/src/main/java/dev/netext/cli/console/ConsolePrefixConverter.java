package dev.netext.cli.console;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Gives log records the shape of the CLI's own lines ({@code netext: dns serving on …}), so the console and the
 * journal show one style: {@code %consolePrefix} is empty for INFO, {@code warning: }, {@code error: } or
 * {@code debug: } otherwise, followed by the source's short name when the record comes from a library (Netty,
 * Kafka, …) rather than from netext, whose messages name their component themselves. No timestamp: the journal and
 * the terminal have their own.
 */
public final class ConsolePrefixConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        String level = switch (event.getLevel().toInt()) {
            case Level.ERROR_INT -> "error: ";
            case Level.WARN_INT -> "warning: ";
            case Level.INFO_INT -> "";
            default -> "debug: ";
        };
        String logger = event.getLoggerName();
        if (logger.startsWith("dev.netext.") || logger.startsWith("netext.")) return level;
        return level + logger.substring(logger.lastIndexOf('.') + 1) + ": ";
    }
}
