package dev.netext.cli.console;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Log records get the shape of the CLI's own {@code netext: …} lines (issue 11, defect 7). */
class ConsoleLineTest {
    private final LoggerContext context = new LoggerContext();
    private final ConsoleLine layout = new ConsoleLine();

    private String line(String logger, Level level, Throwable thrown) {
        return layout.doLayout(new LoggingEvent(getClass().getName(), context.getLogger(logger), level, "m {}", thrown, new Object[] {1}));
    }

    private String prefix(String logger, Level level) {
        String line = line(logger, level, null);
        assertThat(line).startsWith("netext: ").endsWith("m 1" + System.lineSeparator());
        return line.substring("netext: ".length(), line.length() - ("m 1" + System.lineSeparator()).length());
    }

    @Test
    void levelWordOnlyAboveInfoAndTheSourceOnlyWhenTheMessageCannotSayIt() {
        assertThat(prefix("dev.netext.dns.server.DnsProxyServer", Level.INFO)).isEmpty();
        assertThat(prefix("dev.netext.daemon.kafka.KafkaEventExporter", Level.WARN)).isEqualTo("warning: ");
        assertThat(prefix("dev.netext.linux.netlink.PathMonitor", Level.ERROR)).isEqualTo("error: ");
        assertThat(prefix("dev.netext.flow.engine.FlowEngine", Level.DEBUG)).isEqualTo("debug: ");
        assertThat(prefix("netext.provider.corp", Level.INFO)).isEqualTo("corp: ");
        assertThat(prefix("netext.provider.crash.Crasher", Level.WARN)).isEqualTo("warning: crash.Crasher: ");
        assertThat(prefix("io.netty.channel.DefaultChannelPipeline", Level.WARN)).isEqualTo("warning: DefaultChannelPipeline: ");
    }

    @Test
    void aLoggedExceptionFollowsWithItsStackTrace() {
        String line = line("dev.netext.dns.server.DnsProxyServer", Level.ERROR, new IllegalStateException("boom"));
        assertThat(line).startsWith("netext: error: m 1" + System.lineSeparator() + "java.lang.IllegalStateException: boom")
                .contains("at dev.netext.cli.console.ConsoleLineTest");
    }
}
