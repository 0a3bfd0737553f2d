package dev.netext.linux.diag;

import dev.netext.api.flow.ProcessInfo;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What {@link ProcProcessReader} read about a process, kept per pid and given again while two small files and the
 * flow's socket say the process is still the one that was read (two reads instead of four, ~15 µs instead of ~35 µs
 * per flow here):
 * <ul>
 *   <li>{@code /proc/PID/stat}: its start time (a reused pid is another process) and what {@code execve} replaces —
 *       the name, the code segment, the stack and where the arguments and environment lie (with address-space
 *       randomisation the stack of a new image lands elsewhere, so even an exec of the same program with arguments
 *       of the same length is seen);</li>
 *   <li>{@code /proc/PID/cgroup}, whole: a move to another cgroup;</li>
 *   <li>the socket's owner ({@code sock_diag}, read for this flow): a socket made after a {@code setuid} carries the
 *       new uid, which no longer matches the one read.</li>
 * </ul>
 * An entry is also read again after {@link #MAX_AGE_NANOS} at the latest, which bounds what none of these show (a
 * {@code setgid} without {@code setuid}, arguments a process rewrites in place). Nothing is cached when the kernel
 * does not randomise stacks ({@code kernel.randomize_va_space} 0) or the stat line hides the addresses (no ptrace
 * access, a kernel thread). Thread-safe.
 */
public final class ProcessFactsCache {
    /** The longest an entry is given without reading the process again. */
    static final long MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Entries kept at most; beyond, the cache starts over. */
    static final int MAX_ENTRIES = 4096;
    private static final int STAT_BYTES = 2048;
    // fields of /proc/PID/stat (proc(5), numbered from 1) that identify one process image
    private static final int COMM = 2, START_TIME = 22, START_CODE = 26, END_CODE = 27, START_STACK = 28,
            ARG_START = 48, ARG_END = 49, ENV_START = 50, ENV_END = 51;
    private static final int[] IMAGE_FIELDS = {START_TIME, START_CODE, END_CODE, START_STACK, ARG_START, ARG_END,
            ENV_START, ENV_END};

    private record Entry(String image, byte[] cgroup, ProcessInfo info, long readAt) {}

    private final ProcProcessReader reader;
    private final String proc;
    private final boolean enabled;
    private final ConcurrentHashMap<Integer, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong hits = new AtomicLong(), reads = new AtomicLong();

    /** A cache over the host's {@code /proc}; off when the kernel does not randomise stacks. */
    public ProcessFactsCache(ProcProcessReader reader) {
        this(reader, "/proc", stacksRandomised("/proc"));
    }

    ProcessFactsCache(ProcProcessReader reader, String proc, boolean enabled) {
        this.reader = reader;
        this.proc = proc;
        this.enabled = enabled;
    }

    /**
     * What {@code pid} is, from the cache when it is still that process, else read; {@code socketUid} is the owner of
     * the socket the process was found by (-1: unknown, then nothing is given from the cache).
     */
    public ProcessInfo.Builder read(int pid, long socketUid) {
        if (!enabled) return reader.read(pid);
        String dir = proc + "/" + pid;
        String image = image(ProcFiles.read(dir + "/stat", STAT_BYTES)); // before the facts: an exec after is seen next time
        byte[] cgroup = ProcFiles.read(dir + "/cgroup", ProcFiles.MAX_BYTES);
        long now = System.nanoTime();
        ProcessInfo.Builder cached = valid(pid, socketUid, image, cgroup, now);
        if (cached != null) return cached;
        reads.incrementAndGet();
        ProcessInfo.Builder b = reader.read(pid, cgroup);
        if (image == null || cgroup == null) {
            entries.remove(pid);
            return b;
        }
        if (entries.size() >= MAX_ENTRIES) entries.clear();
        ProcessInfo info = b.build();
        entries.put(pid, new Entry(image, cgroup, info, now));
        return info.toBuilder();
    }

    /**
     * {@code pid}'s facts when the cache holds them and they are still valid, else null — two small reads, never the
     * process's command line (whose read can wait on the process's memory map lock): bounded enough for an event loop.
     */
    public ProcessInfo.Builder cached(int pid, long socketUid) {
        if (!enabled || !entries.containsKey(pid)) return null;
        String dir = proc + "/" + pid;
        String image = image(ProcFiles.read(dir + "/stat", STAT_BYTES));
        return valid(pid, socketUid, image, ProcFiles.read(dir + "/cgroup", ProcFiles.MAX_BYTES), System.nanoTime());
    }

    private ProcessInfo.Builder valid(int pid, long socketUid, String image, byte[] cgroup, long now) {
        Entry e = entries.get(pid);
        if (e != null && image != null && cgroup != null && e.image.equals(image) && Arrays.equals(e.cgroup, cgroup)
                && now - e.readAt < MAX_AGE_NANOS && socketUid >= 0 && e.info.uid().orElse(-1) == socketUid) {
            hits.incrementAndGet();
            return e.info.toBuilder();
        }
        return null;
    }

    /** Lookups answered from the cache. */
    public long hits() { return hits.get(); }

    /** Lookups that read the process. */
    public long reads() { return reads.get(); }

    /**
     * The fields of a stat line that change when the process is another one or runs another image, joined; null when
     * the line cannot be read or hides the addresses (all zero without ptrace access).
     */
    static String image(byte[] stat) {
        if (stat == null) return null;
        String line = new String(stat, StandardCharsets.ISO_8859_1);
        int open = line.indexOf('('), close = line.lastIndexOf(')'); // the name may hold spaces and parentheses
        if (open < 0 || close < open) return null;
        String[] rest = line.substring(close + 1).trim().split(" ");
        StringBuilder b = new StringBuilder().append(line, open, close + 1);
        for (int field : IMAGE_FIELDS) {
            int i = field - COMM - 1; // rest[0] is field 3
            if (i >= rest.length) return null;
            b.append(' ').append(rest[i]);
        }
        if ("0".equals(rest[ARG_START - COMM - 1]) || "0".equals(rest[START_STACK - COMM - 1])) return null;
        return b.toString();
    }

    private static boolean stacksRandomised(String proc) {
        byte[] v = ProcFiles.read(proc + "/sys/kernel/randomize_va_space", 16);
        return v != null && v.length > 0 && v[0] != '0';
    }
}
