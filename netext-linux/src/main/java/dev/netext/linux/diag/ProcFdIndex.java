package dev.netext.linux.diag;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds the process holding a socket inode: {@code /proc/PID/fd/N} links read {@code socket:[INODE]}. A scan reads
 * every fd of every process, so results are cached: each scan remembers every socket it passes (inode → pid, fd),
 * and a cached answer is checked with one {@code readlink} of that very fd before it is trusted — wrong (the socket
 * closed, the pid was reused) means it is dropped and the scan runs again.
 *
 * <p>Before any scan, the processes that held the last sockets found ({@link #RECENT_HOLDERS}, most recent first)
 * are tried: first only the fds at which each was last seen holding a socket (a program that opens connection after
 * connection gets the lowest free fd, usually the one its previous connection just closed); then all fds of the
 * {@link #NEWEST_PROCESSES} newest processes (a one-shot client that just started, and exits a few ms later); then all
 * fds of the most recent holders. A
 * busy client (a browser, a JVM with a hundred open jars) is then found with one or a few {@code readlink}s instead
 * of a walk over every fd of every newer process. Then the full scan, ordered for short-lived processes: newest pids
 * first (a process that just connected is usually the newest), and processes owned by the socket's uid before the
 * others. Each stops at the first hit. A socket held by several processes (inherited across fork) is attributed to
 * the first holder found: a recent holder, else the newest.
 *
 * <p>Thread-safe. Reads the host's {@code /proc}: pids are those of the caller's PID namespace.
 */
public final class ProcFdIndex {
    /** Cached sockets kept at most; beyond that the cache starts over (a scan refills what is live). */
    static final int MAX_CACHED = 1 << 16;
    private static final String SOCKET_PREFIX = "socket:[";

    /** Processes remembered as recent socket holders. */
    static final int RECENT_HOLDERS = 16;
    /** Of those, how many are scanned in full (all their fds) before the scan of every process. */
    static final int RECENT_FULL_SCANS = 2;
    /** Newest processes scanned in full after the guesses, before the recent holders' full scans. */
    static final int NEWEST_PROCESSES = 8;
    /** Socket fds remembered per recent holder (the fds tried first). */
    static final int FDS_PER_HOLDER = 64;
    /** {@code readlink}s spent on remembered fds per lookup, at most. */
    static final int MAX_GUESSES = 128;

    /** Where a socket inode was seen. */
    record Holder(int pid, int fd) {}

    private final Path proc;
    private final ConcurrentHashMap<Long, Holder> cache = new ConcurrentHashMap<>();
    private final AtomicLong scans = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong recentHits = new AtomicLong();
    /** pid → the fds at which it held sockets when last scanned; access order, so the most recent holder is last. */
    private final LinkedHashMap<Integer, int[]> recent = new LinkedHashMap<>(32, 0.75f, true);

    public ProcFdIndex() {
        this(Path.of("/proc"));
    }

    ProcFdIndex(Path proc) {
        this.proc = proc;
    }

    /**
     * The pid of a process holding socket {@code inode}, or -1. {@code uidHint} (the socket's owner, or -1) orders
     * the scan; it never excludes a process.
     */
    public int pidOf(long inode, long uidHint) {
        if (inode <= 0) return -1;
        Holder h = cache.get(inode);
        if (h != null) {
            if (holds(h.pid, h.fd, inode)) {
                hits.incrementAndGet();
                return h.pid;
            }
            cache.remove(inode, h);
        }
        scans.incrementAndGet();
        int pid = fromRecentHolders(inode, false, MAX_GUESSES);
        if (pid > 0) {
            recentHits.incrementAndGet();
            return pid;
        }
        int[] pids = pids();
        pid = fromNewest(pids, inode);
        if (pid > 0) return pid;
        pid = fromRecentHolders(inode, true, 0);
        if (pid > 0) {
            recentHits.incrementAndGet();
            return pid;
        }
        return scan(pids, inode, uidHint);
    }

    /**
     * Tries the {@link #NEWEST_PROCESSES} newest processes that are not recent holders, all their fds: a one-shot client ({@code dig}, a script's
     * {@code curl}) just started, has few fds, and is gone a few ms after its first packet — cheaper to look at than
     * the full fd list of a long-lived recent holder (a JVM has hundreds).
     */
    private int fromNewest(int[] pids, long inode) {
        int[] recentPids = recentHolders(); // scanned in full next, in their own order
        outer:
        for (int i = pids.length - 1, n = 0; i >= 0 && n < NEWEST_PROCESSES; i--) {
            for (int r : recentPids) if (r == pids[i]) continue outer;
            n++;
            if (scanProcess(pids[i], proc.resolve(Integer.toString(pids[i])).resolve("fd"), inode) >= 0) return pids[i];
        }
        return -1;
    }

    /**
     * Tries the recent holders: their remembered socket fds ({@code full} false), or all fds of the first few
     * ({@code full} true); the pid, or -1.
     */
    private int fromRecentHolders(long inode, boolean full, int guesses) {
        int[] pids;
        int[][] fds;
        synchronized (recent) {
            pids = new int[recent.size()];
            fds = new int[pids.length][];
            int i = pids.length;
            for (var e : recent.entrySet()) { // oldest first: fill from the end
                pids[--i] = e.getKey();
                fds[i] = e.getValue();
            }
        }
        if (full) {
            for (int i = 0, scanned = 0; i < pids.length && scanned < RECENT_FULL_SCANS; i++) {
                Path fdDir = proc.resolve(Integer.toString(pids[i])).resolve("fd");
                if (!Files.isDirectory(fdDir)) continue;
                scanned++;
                if (scanProcess(pids[i], fdDir, inode) >= 0) return pids[i];
            }
            return -1;
        }
        int budget = guesses;
        boolean[] dead = new boolean[pids.length];
        for (int i = 0; i < pids.length && budget > 0; i++) {
            dead[i] = !Files.isDirectory(proc.resolve(Integer.toString(pids[i])).resolve("fd"));
            if (dead[i]) {
                forget(pids[i]);
                continue;
            }
            for (int j = 0; j < fds[i].length && budget-- > 0; j++) {
                if (holds(pids[i], fds[i][j], inode)) {
                    cache.put(inode, new Holder(pids[i], fds[i][j]));
                    touch(pids[i], toFront(fds[i], j));
                    return pids[i];
                }
            }
        }
        return -1;
    }

    /**
     * As {@link #pidOf}, but only from the cache and at most {@code guesses} remembered socket fds of the recent holders
     * (one {@code readlink} each): no directory is listed, so the cost is bounded; -1 when that does not find it.
     */
    public int pidOfRemembered(long inode, int guesses) {
        if (inode <= 0) return -1;
        Holder h = cache.get(inode);
        if (h != null && holds(h.pid, h.fd, inode)) {
            hits.incrementAndGet();
            return h.pid;
        }
        int pid = fromRecentHolders(inode, false, guesses);
        if (pid > 0) recentHits.incrementAndGet();
        return pid;
    }

    /** The recent holders, most recent first. */
    int[] recentHolders() {
        synchronized (recent) {
            int[] out = new int[recent.size()];
            int i = out.length;
            for (int pid : recent.keySet()) out[--i] = pid;
            return out;
        }
    }

    private void forget(int pid) {
        synchronized (recent) {
            recent.remove(pid);
        }
    }

    /** Marks {@code pid} the most recent holder; {@code socketFds} (when not null) replaces its remembered fds. */
    private void touch(int pid, int[] socketFds) {
        synchronized (recent) {
            int[] old = recent.get(pid);
            recent.put(pid, socketFds != null ? socketFds : old != null ? old : new int[0]);
            if (recent.size() > RECENT_HOLDERS) {
                var eldest = recent.keySet().iterator();
                eldest.next();
                eldest.remove();
            }
        }
    }

    /**
     * Whether fd {@code fd} of process {@code pid} is still socket {@code inode}: guards against a pid reused by
     * another process between finding the socket and reading the process's attributes.
     */
    public boolean holds(int pid, int fd, long inode) {
        return inode > 0 && inodeAt(pid, fd) == inode;
    }

    /** The fd at which {@code pid} was last seen holding {@code inode}, or -1. */
    public int fdOf(long inode, int pid) {
        Holder h = cache.get(inode);
        return h != null && h.pid == pid ? h.fd : -1;
    }

    private int scan(int[] pids, long inode, long uidHint) {
        if (uidHint >= 0) {
            int found = scan(pids, inode, uidHint, true);
            if (found > 0) return found;
            return scan(pids, inode, uidHint, false);
        }
        return scan(pids, inode, -1, false);
    }

    /** One pass, newest pid first: with {@code sameUid}, only processes of {@code uid}; otherwise all others. */
    private int scan(int[] pids, long inode, long uid, boolean sameUid) {
        if (cache.size() > MAX_CACHED) cache.clear();
        for (int i = pids.length - 1; i >= 0; i--) {
            int pid = pids[i];
            Path dir = proc.resolve(Integer.toString(pid));
            if (uid >= 0 && (owner(dir) == uid) != sameUid) continue;
            int fd = scanProcess(pid, dir.resolve("fd"), inode);
            if (fd >= 0) return pid;
        }
        return -1;
    }

    /**
     * Reads one process's fds, highest first (a process that keeps its connections open gets a new, highest fd for
     * each), caching every socket it passes, until {@code inode}: its fd, or -1. A hit makes the process the most
     * recent holder, remembering the socket fds seen (and those remembered before, up to {@link #FDS_PER_HOLDER}).
     */
    private int scanProcess(int pid, Path fdDir, long inode) {
        int[] numbers = new int[64];
        int n = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
            for (Path link : fds) {
                int fd = parseInt(link.getFileName().toString());
                if (fd < 0) continue;
                if (n == numbers.length) numbers = Arrays.copyOf(numbers, n * 2);
                numbers[n++] = fd;
            }
        } catch (IOException | SecurityException e) {
            return -1; // exited, or not ours to read
        }
        Arrays.sort(numbers, 0, n);
        int[] socketFds = new int[Math.min(n, FDS_PER_HOLDER)];
        int sockets = 0;
        for (int i = n - 1; i >= 0; i--) {
            long ino = inodeAt(pid, numbers[i]);
            if (ino < 0) continue; // not a socket, or closed meanwhile
            cache.put(ino, new Holder(pid, numbers[i]));
            boolean kept = sockets < socketFds.length;
            if (kept) socketFds[sockets++] = numbers[i];
            if (ino == inode) {
                int[] merged = mergeFds(socketFds, sockets, pid);
                touch(pid, kept ? toFront(merged, sockets - 1) : merged);
                return numbers[i];
            }
        }
        return -1;
    }

    /**
     * {@code fds} with the one at {@code index} moved first: the fd that held the last socket found is tried first
     * next time (a program that connects, closes and connects again gets the same lowest free fd).
     */
    private static int[] toFront(int[] fds, int index) {
        if (index <= 0) return fds;
        int[] out = fds.clone();
        int fd = out[index];
        System.arraycopy(out, 0, out, 1, index);
        out[0] = fd;
        return out;
    }

    /** The socket fds just seen, then those remembered for {@code pid} before, without repeats, at most the cap. */
    private int[] mergeFds(int[] seen, int count, int pid) {
        int[] old;
        synchronized (recent) {
            old = recent.getOrDefault(pid, new int[0]);
        }
        int[] out = Arrays.copyOf(seen, Math.min(FDS_PER_HOLDER, count + old.length));
        int m = count;
        outer:
        for (int fd : old) {
            if (m == out.length) break;
            for (int i = 0; i < m; i++) if (out[i] == fd) continue outer;
            out[m++] = fd;
        }
        return Arrays.copyOf(out, m);
    }

    /** The socket inode at {@code /proc/PID/fd/FD}, or -1 (not a socket, or gone). */
    private long inodeAt(int pid, int fd) {
        try {
            return socketInode(Files.readSymbolicLink(proc.resolve(Integer.toString(pid)).resolve("fd")
                    .resolve(Integer.toString(fd))).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** The numeric entries of /proc, ascending. */
    private int[] pids() {
        int[] out = new int[512];
        int n = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc)) {
            for (Path d : dirs) {
                int pid = parseInt(d.getFileName().toString());
                if (pid <= 0) continue;
                if (n == out.length) out = Arrays.copyOf(out, n * 2);
                out[n++] = pid;
            }
        } catch (IOException e) {
            return new int[0];
        }
        out = Arrays.copyOf(out, n);
        Arrays.sort(out);
        return out;
    }

    private static long owner(Path dir) {
        try {
            return ((Number) Files.getAttribute(dir, "unix:uid")).longValue() & 0xFFFF_FFFFL;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    /** The inode in {@code socket:[12345]}, or -1. */
    static long socketInode(String link) {
        if (!link.startsWith(SOCKET_PREFIX) || !link.endsWith("]")) return -1;
        long v = 0;
        int end = link.length() - 1;
        if (end == SOCKET_PREFIX.length() || end - SOCKET_PREFIX.length() > 19) return -1;
        for (int i = SOCKET_PREFIX.length(); i < end; i++) {
            char c = link.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static int parseInt(String s) {
        if (s.isEmpty() || s.length() > 9) return -1;
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Lookups the cache could not answer (each tried the recent holders, then scanned). */
    public long scans() { return scans.get(); }

    /** Of those, the ones a recent holder answered (no scan of every process). */
    public long recentHolderHits() { return recentHits.get(); }

    /** Answers served from the cache (after their check). */
    public long cacheHits() { return hits.get(); }
}
