package dev.netext.linux.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process liveness by pid and start time, so a recycled pid is not mistaken for the ledger's owner. */
final class Processes {
    private Processes() {}

    /** Field 22 of {@code /proc/PID/stat} (clock ticks after boot), or -1 if there is no such process. */
    static long startTime(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // comm (field 2) may contain spaces and parentheses: fields resume after the last ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[22 - 3]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static boolean isAlive(int pid, long startTime) {
        long now = startTime(pid);
        return now != -1 && now == startTime;
    }
}
