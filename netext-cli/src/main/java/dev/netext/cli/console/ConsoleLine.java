package dev.netext.cli.console;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;

/**
 * Gives log records the shape of the CLI's own lines ({@code netext: dns serving on …}), so the console and the
 * journal show one style: {@code netext: }, then nothing for INFO, {@code warning: }, {@code error: } or
 * {@code debug: } otherwise, then whose line it is — a provider's own log lines ({@code netext.provider.NAME}) carry
 * its name, a library's (Netty, Kafka, …) its class's short name; netext's classes name their component in the
 * message itself — then the message and a logged exception's stack trace. No timestamp: the journal and the terminal
 * have their own. Written by hand rather than as a logback pattern: the pattern layout's converter tables and the
 * XML configuration reader were a tenth of a command's start-up on the main thread.
 */
public final class ConsoleLine extends LayoutBase<ILoggingEvent> {
    /** The logger of a provider's {@code log(…)} lines (ProviderContext, TunnelComponent, FlowEngine). */
    static final String PROVIDER_LOGGERS = "netext.provider.";

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128).append("netext: ").append(prefix(event.getLevel(), event.getLoggerName()))
                .append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) line.append(ThrowableProxyUtil.asString(thrown));
        return line.toString();
    }

    /** What comes between {@code netext: } and the message. */
    static String prefix(Level level, String logger) {
        String word = switch (level.toInt()) {
            case Level.ERROR_INT -> "error: ";
            case Level.WARN_INT -> "warning: ";
            case Level.INFO_INT -> "";
            default -> "debug: ";
        };
        if (logger.startsWith(PROVIDER_LOGGERS)) return word + logger.substring(PROVIDER_LOGGERS.length()) + ": ";
        if (logger.startsWith("dev.netext.")) return word;
        return word + logger.substring(logger.lastIndexOf('.') + 1) + ": ";
    }
}
