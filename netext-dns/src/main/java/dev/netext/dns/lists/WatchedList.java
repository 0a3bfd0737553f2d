package dev.netext.dns.lists;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A list file kept current: the loaded {@link BlockList} sits in one volatile field that a reload replaces whole, so a
 * query reads either the old list or the new one and never waits or drops. One daemon thread polls every watched
 * file's size, modification time and inode each {@link #POLL_MILLIS} ms (an edit in place, an append and an atomic
 * rename all change one of them) and reloads a changed file off the query path; a reload that fails (unreadable,
 * vanished) keeps the old list and reports it.
 *
 * <p>The poller holds lists weakly: a list nobody uses any more (its server or filter stopped) stops being watched
 * when it is collected, or at once on {@link #close}. The DNS server and the flow filter of one profile naming the same
 * file share one loaded copy ({@link #open} returns the live one).
 */
public final class WatchedList implements AutoCloseable {
    /** How often files are looked at: a change is in effect within this plus the reload time (goal: 5 s). */
    public static final long POLL_MILLIS = 1000;

    private static final CopyOnWriteArrayList<WeakReference<WatchedList>> WATCHED = new CopyOnWriteArrayList<>();
    private static volatile ScheduledExecutorService poller;

    private final String name;
    private final Path file;
    private final Consumer<String> report;
    private volatile BlockList current;
    private Object stamp; // poller thread only

    private WatchedList(String name, Path file, Consumer<String> report, BlockList first, Object stamp) {
        this.name = name;
        this.file = file;
        this.report = report;
        this.current = first;
        this.stamp = stamp;
    }

    /**
     * Loads {@code file} now (an unreadable file at start is an error, as a typo in a path should be) and watches it.
     * {@code report} gets one line per load and per failed reload.
     */
    public static synchronized WatchedList open(String name, Path file, Consumer<String> report) throws IOException {
        for (WeakReference<WatchedList> ref : WATCHED) {
            WatchedList live = ref.get();
            if (live != null && live.name.equals(name) && live.file.equals(file)) return live;
        }
        Object stamp = stamp(file);
        long t0 = System.nanoTime();
        BlockList first = BlockList.load(name, file);
        report.accept("list " + first.describe() + " loaded in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        WatchedList w = new WatchedList(name, file, report, first, stamp);
        WATCHED.add(new WeakReference<>(w));
        startPoller();
        return w;
    }

    /** A list that never changes (tests, benchmarks). */
    public static WatchedList fixed(BlockList list) {
        return new WatchedList(list.name(), list.file(), s -> { }, list, null);
    }

    public String name() { return name; }

    public Path file() { return file; }

    /** The list now in effect; read it once per lookup. */
    public BlockList current() { return current; }

    private static synchronized void startPoller() {
        if (poller != null) return;
        poller = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("netext-lists").unstarted(r));
        poller.scheduleWithFixedDelay(WatchedList::pollAll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static void pollAll() {
        for (WeakReference<WatchedList> ref : WATCHED) {
            WatchedList w = ref.get();
            if (w == null) WATCHED.remove(ref);
            else w.pollOnce();
        }
    }

    /** Reloads the file if it changed since the last load; on failure keeps the old list. Returns whether it reloaded. */
    boolean pollOnce() {
        Object now;
        try {
            now = stamp(file);
        } catch (IOException e) {
            if (stamp != null) report.accept("list " + name + " (" + file + "): cannot be read (" + e + "); keeping the "
                    + current.report().names() + " names loaded before");
            stamp = null;
            return false;
        }
        if (Objects.equals(now, stamp)) return false;
        long t0 = System.nanoTime();
        try {
            BlockList next = BlockList.load(name, file);
            current = next;
            stamp = now;
            report.accept("list " + next.describe() + " reloaded in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            return true;
        } catch (IOException | RuntimeException e) {
            report.accept("list " + name + " (" + file + "): reload failed (" + e + "); keeping the "
                    + current.report().names() + " names loaded before");
            stamp = now; // not again until it changes again
            return false;
        }
    }

    private static Object stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return List.of(a.size(), a.lastModifiedTime(), String.valueOf(a.fileKey()));
    }

    /** Stops watching. */
    @Override
    public void close() { WATCHED.removeIf(ref -> ref.get() == this); }
}
