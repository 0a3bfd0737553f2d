package dev.netext.cli.console;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider's {@code System.Logger} ({@code ProviderContext.logger()}) lands in logback, so it is printed in the one
 * console style, not by java.util.logging in a format of its own (issue 11, defect 7).
 */
class SystemLoggerRoutingTest {
    @Test
    void systemLoggerRecordsReachLogback() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        root.addAppender(seen);
        try {
            System.getLogger("netext.provider.probe").log(System.Logger.Level.WARNING, "through System.Logger");
        } finally {
            root.detachAppender(seen);
        }
        assertThat(seen.list).singleElement().satisfies(e -> {
            assertThat(e.getLoggerName()).isEqualTo("netext.provider.probe");
            assertThat(e.getFormattedMessage()).isEqualTo("through System.Logger");
            assertThat(e.getLevel().toString()).isEqualTo("WARN");
        });
    }
}
