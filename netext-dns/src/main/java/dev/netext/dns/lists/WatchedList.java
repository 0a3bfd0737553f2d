package dev.netext.dns.lists;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A list file kept current: the loaded {@link BlockList} sits in one volatile field that a reload replaces whole, so a
 * query reads either the old list or the new one and never waits or drops. One daemon thread polls every watched
 * file's size, modification time and inode each {@link #POLL_MILLIS} ms (an edit in place, an append and an atomic
 * rename all change one of them) and reloads a changed file off the query path once the change has settled ({@link
 * #pollOnce}); a reload that fails (unreadable, vanished) keeps the old list and reports it.
 *
 * <p>A replaced list's memory (its names' table is off the heap, {@link DomainSet}) is unmapped by the poller
 * {@link #GRACE_NANOS} after the swap, when no lookup can still be reading it; should one be (a thread paused for that
 * long), it fails with {@link IllegalStateException} and the lookups here ({@link #containsWire}, {@link
 * #containsName}, {@link #containsAddress}) retry on the list in effect, so no query is dropped.
 *
 * <p>The poller holds lists weakly: a list nobody uses any more (its server or filter stopped) stops being watched
 * when it is collected, or at once on {@link #close}. The DNS server and the flow filter of one profile naming the same
 * file share one loaded copy ({@link #open} returns the live one).
 */
public final class WatchedList implements AutoCloseable {
    /** How often files are looked at: a change is in effect within two of these plus the reload time (goal: 5 s). */
    public static final long POLL_MILLIS = 1000;

    /** How long a replaced list stays mapped: lookups take microseconds, so any reader of it has long finished. */
    static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS);

    private static final CopyOnWriteArrayList<WeakReference<WatchedList>> WATCHED = new CopyOnWriteArrayList<>();
    private static volatile ScheduledExecutorService poller;

    private final String name;
    private final Path file;
    private final Consumer<String> report;
    private volatile BlockList current;
    private Stamp stamp; // the loaded version; guarded by this
    private Stamp seen;  // a newer version seen once, not loaded yet; guarded by this
    private final ArrayDeque<Replaced> replaced = new ArrayDeque<>(); // lists to unmap; guarded by itself

    private record Replaced(BlockList list, long atNanos) {}

    private WatchedList(String name, Path file, Consumer<String> report, BlockList first, Stamp stamp) {
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
        WatchedList w = openUnpolled(name, file, report);
        WATCHED.add(new WeakReference<>(w));
        startPoller();
        return w;
    }

    /** Loads {@code file} now; it is reloaded only when {@link #pollOnce} is called (tests: no poller racing them). */
    static WatchedList openUnpolled(String name, Path file, Consumer<String> report) throws IOException {
        Stamp stamp = Stamp.of(file);
        long t0 = System.nanoTime();
        BlockList first = BlockList.load(name, file);
        report.accept("list " + first.describe() + " loaded in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        return new WatchedList(name, file, report, first, stamp);
    }

    /** A list that never changes (tests, benchmarks). */
    public static WatchedList fixed(BlockList list) {
        return new WatchedList(list.name(), list.file(), s -> { }, list, null);
    }

    public String name() { return name; }

    public Path file() { return file; }

    /**
     * The list now in effect. A caller that keeps it past a reload may find it closed: look up through
     * {@link #containsWire}, {@link #containsName} and {@link #containsAddress} instead.
     */
    public BlockList current() { return current; }

    /** Whether the wire name {@code b[start, end)} is listed ({@link DomainSet#containsWire}) in the list in effect. */
    public boolean containsWire(byte[] b, int start, int end) {
        while (true) {
            BlockList l = current;
            try {
                return l.names().containsWire(b, start, end);
            } catch (IllegalStateException e) {
                if (l == current) throw e; // closed while in effect: the list itself was closed
            }
        }
    }

    /** Whether the text host name is listed in the list in effect. */
    public boolean containsName(CharSequence host) {
        while (true) {
            BlockList l = current;
            try {
                return l.containsName(host);
            } catch (IllegalStateException e) {
                if (l == current) throw e;
            }
        }
    }

    /** Whether the address is in one of the list's prefixes (on the heap: never closed). */
    public boolean containsAddress(InetAddress a) { return current.containsAddress(a); }

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

    /**
     * Unmaps the lists replaced at least {@link #GRACE_NANOS} ago, then reloads the file if it changed since the last
     * load and the change has settled — this look finds the file as the previous one did — so that a file being
     * written in place (a download, an editor without atomic save) is not loaded half-written, which would let
     * through, until the next load, every name it had yet to get. The file's age cannot tell that: {@code stat} during
     * an {@code O_TRUNC} of an old file can see the new size with the old modification time (seen on ext4 here).
     */
    synchronized boolean pollOnce() {
        closeReplaced(System.nanoTime());
        Stamp now;
        try {
            now = Stamp.of(file);
        } catch (IOException e) {
            if (stamp != null) report.accept("list " + name + " (" + file + "): cannot be read (" + e + "); keeping the "
                    + current.report().names() + " names loaded before");
            stamp = null;
            seen = null;
            return false;
        }
        if (now.equals(stamp)) return false;
        if (!now.equals(seen)) {
            seen = now; // perhaps still being written: loaded once it stays the same for a poll
            return false;
        }
        seen = null;
        long t0 = System.nanoTime();
        try {
            BlockList next = BlockList.load(name, file);
            BlockList old = current;
            current = next;
            synchronized (replaced) { replaced.add(new Replaced(old, System.nanoTime())); }
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

    /** What tells one version of a file from another: an edit in place, an append and a rename each change one. */
    private record Stamp(long size, FileTime modified, String key) {
        static Stamp of(Path file) throws IOException {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(a.size(), a.lastModifiedTime(), String.valueOf(a.fileKey()));
        }
    }

    /** Closes the lists replaced at least {@link #GRACE_NANOS} before {@code nowNanos}. Returns how many are left. */
    int closeReplaced(long nowNanos) {
        synchronized (replaced) {
            while (!replaced.isEmpty() && nowNanos - replaced.peekFirst().atNanos() >= GRACE_NANOS)
                replaced.removeFirst().list().close();
            return replaced.size();
        }
    }

    /** Stops watching and unmaps the list (the server or filter using it has stopped: no lookup after this). */
    @Override
    public void close() {
        WATCHED.removeIf(ref -> ref.get() == this);
        synchronized (replaced) {
            while (!replaced.isEmpty()) replaced.removeFirst().list().close();
        }
        current.close();
    }
}
