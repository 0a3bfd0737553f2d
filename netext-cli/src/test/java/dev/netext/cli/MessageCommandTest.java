package dev.netext.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MessageCommandTest {
    @Test
    void aReplyPrintsAsTextWhenItIsUtf8ElseAsHex() {
        assertThat(MessageCommand.printable("grüß\tdich\n".getBytes(StandardCharsets.UTF_8))).isEqualTo("grüß\tdich\n");
        assertThat(MessageCommand.printable(new byte[]{(byte) 0xff, 0x01})).isEqualTo("hex:ff01");
        assertThat(MessageCommand.printable(new byte[]{'a', 0x00})).as("a control character").isEqualTo("hex:6100");
        assertThat(MessageCommand.printable(new byte[0])).isEmpty();
    }

    @Test
    void timeoutsReadLikeDurations() {
        var c = new MessageCommand.DurationConverter();
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.convert("3")).isEqualTo(Duration.ofSeconds(3));
        assertThatThrownBy(() -> c.convert("0s")).hasMessageContaining("between 1ms and 5m");
        assertThatThrownBy(() -> c.convert("6m")).hasMessageContaining("between 1ms and 5m");
        assertThatThrownBy(() -> c.convert("soon")).hasMessage("'soon' is not a duration (500ms, 5s, 2m)");
    }

    @Test
    void eachFailureHasItsExitCode() {
        assertThat(MessageCommand.exitCode("timeout")).isEqualTo(75);
        assertThat(MessageCommand.exitCode("unsupported")).isEqualTo(65);
        assertThat(MessageCommand.exitCode("no-profile")).isEqualTo(68);
        assertThat(MessageCommand.exitCode("not-running")).isEqualTo(69);
        assertThat(MessageCommand.exitCode("failed")).isEqualTo(1);
    }
}
