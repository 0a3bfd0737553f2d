package dev.netext.linux.sys;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProcessInfoTest {
    @Test
    void parsesStartTimeAfterTheLastParenthesis() {
        // comm may contain spaces and ')': fields must be counted from after the last ')'
        String stat = "1234 (evil) name (x)) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000000 200 "
                + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";
        assertThat(ProcessInfo.parseStartTime(stat)).isEqualTo(987654L);
        assertThatThrownBy(() -> ProcessInfo.parseStartTime("1234 (x) S 1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcessInfo.parseStartTime("no paren")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thisProcessIsAliveOnlyWithItsOwnStartTime() {
        long pid = ProcessHandle.current().pid();
        long start = ProcessInfo.currentStartTime();
        assertThat(ProcessInfo.startTime(pid)).hasValue(start);
        assertThat(ProcessInfo.isAlive(pid, start)).isTrue();
        assertThat(ProcessInfo.isAlive(pid, start + 1)).as("same pid, other start time: a reused pid").isFalse();
    }

    @Test
    void exitedAndImpossiblePidsAreNotAlive() throws Exception {
        Process p = new ProcessBuilder("true").start();
        long pid = p.pid();
        p.waitFor();
        assertThat(ProcessInfo.startTime(pid)).isEqualTo(OptionalLong.empty());
        assertThat(ProcessInfo.isAlive(pid, 1)).isFalse();
        assertThat(ProcessInfo.startTime(0)).isEmpty();
        assertThat(ProcessInfo.startTime(-5)).isEmpty();
    }
}
