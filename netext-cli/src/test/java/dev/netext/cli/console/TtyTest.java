package dev.netext.cli.console;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class TtyTest {
    /** The keys left of {@code typed} once every escape sequence is skipped. */
    private static String keys(String typed) throws IOException {
        InputStream in = new ByteArrayInputStream(typed.getBytes(StandardCharsets.US_ASCII));
        StringBuilder out = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == Tty.ESC) Tty.skipEscapeSequence(in);
            else out.append((char) b);
        }
        return out.toString();
    }

    @Test
    void escapeSequencesAreSkippedWholeAndTheKeysAfterThemKept() throws IOException {
        assertThat(keys("\033[A\033[CD")).isEqualTo("D");          // Up, Right, then D typed at once
        assertThat(keys("\033[1;5Ca")).isEqualTo("a");             // Ctrl+Right
        assertThat(keys("\033[3~\033[15~q")).isEqualTo("q");       // Delete, F5
        assertThat(keys("\033OAd")).isEqualTo("d");                // Up in application mode (SS3)
        assertThat(keys("\033xA")).isEqualTo("A");                 // Alt+x: only the x goes with its Esc
        assertThat(keys("nD\033")).isEqualTo("nD");                // a lone Esc at the end
    }
}
