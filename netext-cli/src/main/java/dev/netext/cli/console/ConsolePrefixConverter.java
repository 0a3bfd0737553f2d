package dev.netext.cli.console;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Gives log records the shape of the CLI's own lines ({@code netext: dns serving on …}), so the console and the
 * journal show one style: {@code %consolePrefix} is empty for INFO, {@code warning: }, {@code error: } or
 * {@code debug: } otherwise, then whose line it is: a provider's own log lines ({@code netext.provider.NAME}) carry
 * its name, a library's (Netty, Kafka, …) its class's short name; netext's classes name their component in the
 * message itself. No timestamp: the journal and the terminal have their own.
 */
public final class ConsolePrefixConverter extends ClassicConverter {
    /** The logger of a provider's {@code log(…)} lines (ProviderContext, TunnelComponent, FlowEngine). */
    static final String PROVIDER_LOGGERS = "netext.provider.";

    @Override
    public String convert(ILoggingEvent event) {
        String level = switch (event.getLevel().toInt()) {
            case Level.ERROR_INT -> "error: ";
            case Level.WARN_INT -> "warning: ";
            case Level.INFO_INT -> "";
            default -> "debug: ";
        };
        String logger = event.getLoggerName();
        if (logger.startsWith(PROVIDER_LOGGERS)) return level + logger.substring(PROVIDER_LOGGERS.length()) + ": ";
        if (logger.startsWith("dev.netext.")) return level;
        return level + logger.substring(logger.lastIndexOf('.') + 1) + ": ";
    }
}
