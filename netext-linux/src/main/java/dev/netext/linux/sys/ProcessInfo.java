package dev.netext.linux.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Process identity from {@code /proc}: a pid alone is not an identity, because pids are reused (the default
 * {@code pid_max} is 32768 on small machines). A pid together with its start time (field 22 of
 * {@code /proc/PID/stat}, in clock ticks since boot) is unique for the life of the boot, so a ledger that records
 * both can tell "its owner is still running" from "its owner died and someone else got the number".
 */
public final class ProcessInfo {
    private ProcessInfo() {}

    /** The start time of {@code pid} in clock ticks since boot, or empty if there is no such process. */
    public static OptionalLong startTime(long pid) {
        if (pid <= 0) return OptionalLong.empty();
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
            return OptionalLong.of(parseStartTime(stat));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            // ESRCH while reading: the process exited between open and read.
            return OptionalLong.empty();
        }
    }

    /** The start time of this JVM's process. */
    public static long currentStartTime() {
        return startTime(ProcessHandle.current().pid()).orElseThrow(() -> new IllegalStateException("no /proc/self/stat"));
    }

    /** Whether {@code pid} runs and is the same process that started at {@code startTime}. */
    public static boolean isAlive(long pid, long startTime) {
        OptionalLong actual = startTime(pid);
        return actual.isPresent() && actual.getAsLong() == startTime;
    }

    /**
     * This boot's id ({@code /proc/sys/kernel/random/boot_id}, a UUID drawn at every boot), or null if unreadable.
     * Start times and namespace cookies count from boot: they identify something only together with it.
     */
    public static String bootId() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Field 22 ({@code starttime}) of a {@code /proc/PID/stat} line. The second field is the command name in
     * parentheses and may itself contain spaces and ')', so fields are counted from after the <em>last</em> ')':
     * what follows is field 3 onwards.
     */
    static long parseStartTime(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) throw new IllegalArgumentException("malformed /proc stat line: no ')'");
        String[] fields = stat.substring(close + 1).trim().split(" +");
        int index = 22 - 3;
        if (fields.length <= index) throw new IllegalArgumentException("malformed /proc stat line: " + fields.length + " fields after comm");
        return Long.parseLong(fields[index]);
    }
}
