package dev.netext.linux.diag;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Finds the process holding a socket inode: {@code /proc/PID/fd/N} links read {@code socket:[INODE]}. A scan reads
 * every fd of every process, so results are cached: each scan remembers every socket it passes (inode → pid, fd),
 * and a cached answer is checked with one {@code readlink} of that very fd before it is trusted — wrong (the socket
 * closed, the pid was reused) means it is dropped and the scan runs again.
 *
 * <p>The scan is ordered for short-lived processes: newest pids first (a process that just connected is usually
 * the newest), and processes owned by the socket's uid before the others. It stops at the first hit. A socket held
 * by several processes (inherited across fork) is attributed to the newest holder found.
 *
 * <p>Thread-safe. Reads the host's {@code /proc}: pids are those of the caller's PID namespace.
 */
public final class ProcFdIndex {
    /** Cached sockets kept at most; beyond that the cache starts over (a scan refills what is live). */
    static final int MAX_CACHED = 1 << 16;
    private static final String SOCKET_PREFIX = "socket:[";

    /** Where a socket inode was seen. */
    record Holder(int pid, int fd) {}

    private final Path proc;
    private final ConcurrentHashMap<Long, Holder> cache = new ConcurrentHashMap<>();
    private final AtomicLong scans = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();

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
        return scan(inode, uidHint);
    }

    /**
     * Whether fd {@code fd} of process {@code pid} is still socket {@code inode}: guards against a pid reused by
     * another process between finding the socket and reading the process's attributes.
     */
    public boolean holds(int pid, int fd, long inode) {
        try {
            String target = Files.readSymbolicLink(proc.resolve(Integer.toString(pid)).resolve("fd")
                    .resolve(Integer.toString(fd))).toString();
            return socketInode(target) == inode;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The fd at which {@code pid} was last seen holding {@code inode}, or -1. */
    public int fdOf(long inode, int pid) {
        Holder h = cache.get(inode);
        return h != null && h.pid == pid ? h.fd : -1;
    }

    private int scan(long inode, long uidHint) {
        scans.incrementAndGet();
        int[] pids = pids();
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

    /** Caches every socket of one process; the fd holding {@code inode}, or -1. */
    private int scanProcess(int pid, Path fdDir, long inode) {
        int hit = -1;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
            for (Path link : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(link).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile
                }
                long ino = socketInode(target);
                if (ino < 0) continue;
                int fd = parseInt(link.getFileName().toString());
                if (fd < 0) continue;
                cache.put(ino, new Holder(pid, fd));
                if (ino == inode) hit = fd;
            }
        } catch (IOException | SecurityException e) {
            return -1; // exited, or not ours to read
        }
        return hit;
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

    /** Full scans run so far. */
    public long scans() { return scans.get(); }

    /** Answers served from the cache (after their check). */
    public long cacheHits() { return hits.get(); }
}
