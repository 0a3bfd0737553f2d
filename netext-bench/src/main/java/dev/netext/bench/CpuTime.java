package dev.netext.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A process's CPU time (user + system, all its threads, the dead ones included) from {@code /proc/PID/stat}, for
 * benchmarks that report CPU per unit of work: on a shared machine rates measure the scheduler, CPU per packet much
 * less so.
 */
final class CpuTime {
    /** Clock ticks per second ({@code getconf CLK_TCK}; 100 on every Linux architecture netext runs on). */
    static final int TICKS_PER_SECOND = 100;
    /** TCP payload of one full-size segment inside a 1420-byte tunnel MTU: 1420 − IPv4 20 − TCP with timestamps 32. */
    static final int SEGMENT_PAYLOAD = 1368;

    private CpuTime() {}

    /** utime + stime of {@code pid}, in clock ticks. */
    static long ticks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // fields after the command name (which may hold spaces) start at ")": state is field 3, utime 14, stime 15
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /**
     * utime + stime per thread of {@code pid}, in clock ticks, summed by thread name (a pool's threads share a prefix:
     * digits are dropped from the name, so "wireguard-seal-0" and "-1" count as one).
     */
    static Map<String, Long> threadTicks(long pid) throws IOException {
        Map<String, Long> byName = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException gone) {
                    continue;                                          // the thread ended meanwhile
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9a-f]{6,}|[0-9]+", "#");
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                byName.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
            }
        }
        return byName;
    }

    static double micros(long ticks) {
        return ticks * 1e6 / TICKS_PER_SECOND;
    }

    /** The 1-, 5- and 15-minute load averages. */
    static String loadAverage() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }
}
