package dev.netext.linux.diag;

import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.LinuxException;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Names the process behind a flow, attribute by attribute ({@link ProcessInfo}):
 * <ol>
 *   <li>{@link SockDiag}: the flow's socket by its 4-tuple → owner uid and inode (microseconds; call it as soon as
 *       the flow is seen, while a short-lived client still holds its socket); when no socket has that 4-tuple (the
 *       client's packets were redirected, so its socket's peer is another address), by its local end alone
 *       ({@link #attributeRedirected});</li>
 *   <li>{@link ProcFdIndex}: inode → pid, cached, each cached answer re-checked;</li>
 *   <li>{@link ProcProcessReader}: pid → executable, command line, uid, gid, cgroup, container id; through
 *       {@link ProcessFactsCache}, which gives them again while the process is still the one read;</li>
 *   <li>the fd is checked once more after reading, so a pid reused in between is not reported.</li>
 * </ol>
 * When the process cannot be found (it exited, or holds the socket in another PID namespace) the socket's uid is
 * still reported; when the socket is gone, nothing is ({@link ProcessInfo#UNKNOWN}). Thread-safe.
 */
public final class ProcessAttributor implements AutoCloseable {
    private final SockDiag diag;
    private final ProcFdIndex index;
    private final ProcessFactsCache facts;
    private final AtomicLong lookups = new AtomicLong();
    private final AtomicLong sockets = new AtomicLong();
    private final AtomicLong processes = new AtomicLong();
    private final AtomicLong byLocalEnd = new AtomicLong();

    public ProcessAttributor(SockDiag diag, ProcFdIndex index, ProcessFactsCache facts) {
        this.diag = diag;
        this.index = index;
        this.facts = facts;
    }

    /**
     * An attributor for sockets of the calling thread's network namespace, with its own caches
     * ({@code -Dnetext.attribution.processCache=false}: every process read whole, for side-by-side measurements).
     */
    public static ProcessAttributor open() throws LinuxException {
        ProcProcessReader reader = new ProcProcessReader();
        boolean cache = Boolean.parseBoolean(System.getProperty("netext.attribution.processCache", "true"));
        return new ProcessAttributor(SockDiag.open(), new ProcFdIndex(),
                cache ? new ProcessFactsCache(reader) : new ProcessFactsCache(reader, "/proc", false));
    }

    /**
     * The process whose socket has local end {@code local} and remote end {@code remote} (for a flow netext
     * intercepted: the client's address and port, and the original destination).
     */
    public ProcessInfo attribute(TransportProtocol protocol, InetSocketAddress local, InetSocketAddress remote)
            throws LinuxException {
        return attribute(protocol, local, remote, false);
    }

    /**
     * As {@link #attribute(TransportProtocol, InetSocketAddress, InetSocketAddress)}, and when no socket has that
     * 4-tuple, the socket with local end {@code local} whatever its peer ({@link SockDiag#lookupLocal}): for a client
     * whose packets were redirected to us by NAT (its socket's peer is the address it first sent to). Only for a
     * caller that has just received from {@code local}, so the socket on that port is the sender's.
     */
    public ProcessInfo attributeRedirected(TransportProtocol protocol, InetSocketAddress local, InetSocketAddress remote)
            throws LinuxException {
        return attribute(protocol, local, remote, true);
    }

    /**
     * The server that receives a connection {@code remote} opens to the local service {@code local} (its listening
     * TCP socket, or the UDP socket bound there), before that connection exists.
     */
    public ProcessInfo attributeServer(TransportProtocol protocol, InetSocketAddress local, InetSocketAddress remote)
            throws LinuxException {
        lookups.incrementAndGet();
        return attributeOwner(diag.lookupServer(protocol, local, remote));
    }

    private ProcessInfo attribute(TransportProtocol protocol, InetSocketAddress local, InetSocketAddress remote,
                                  boolean byLocalEndToo) throws LinuxException {
        return find(protocol, local, remote, byLocalEndToo).process();
    }

    /**
     * A process found for a socket, and where it held it: fd {@code fd} of {@code pid} was socket {@code inode}
     * ({@code fd} -1 when no process was found). {@link #stillHolds} tells whether it still is — what a cache of
     * attributions by address needs, since another process may get the same address and port once this socket closes.
     */
    public record Found(ProcessInfo process, int pid, int fd, long inode) {
        static final Found NONE = new Found(ProcessInfo.UNKNOWN, -1, -1, 0);
    }

    /** As {@link #attributeRedirected}, with where the socket was found. */
    public Found findRedirected(TransportProtocol protocol, InetSocketAddress local, InetSocketAddress remote)
            throws LinuxException {
        return find(protocol, local, remote, true);
    }

    /** Whether the process {@code f} found still holds that socket (one {@code readlink}); false when none was found. */
    public boolean stillHolds(Found f) {
        return f.fd() >= 0 && index.holds(f.pid(), f.fd(), f.inode());
    }

    private Found find(TransportProtocol protocol, InetSocketAddress local, InetSocketAddress remote,
                       boolean byLocalEndToo) throws LinuxException {
        lookups.incrementAndGet();
        Optional<SocketOwner> found = diag.lookup(protocol, local, remote);
        if (found.isEmpty() && byLocalEndToo) {
            found = diag.lookupLocal(protocol, local);
            if (found.isPresent()) byLocalEnd.incrementAndGet();
        }
        return findOwner(found);
    }

    /** Remembered socket fds a {@link #attributeQuickly} tries at most. */
    static final int QUICK_GUESSES = 8;

    /**
     * The process behind a flow's socket when it is found cheaply, else null (then {@link #attribute}): the socket by
     * its 4-tuple, its holder from {@link ProcFdIndex#pidOfRemembered} (no directory listed), its facts from
     * {@link ProcessFactsCache#cached} (no command line read), the fd checked again. A bounded cost — a sock_diag
     * request, a few {@code readlink}s, two small reads — for a caller that must not block long, an event loop.
     */
    public ProcessInfo attributeQuickly(TransportProtocol protocol, InetSocketAddress local, InetSocketAddress remote)
            throws LinuxException {
        Optional<SocketOwner> found = diag.lookup(protocol, local, remote);
        if (found.isEmpty() || !found.get().hasInode()) return null;
        SocketOwner owner = found.get();
        int pid = index.pidOfRemembered(owner.inode(), QUICK_GUESSES);
        if (pid <= 0) return null;
        int fd = index.fdOf(owner.inode(), pid);
        ProcessInfo.Builder b = fd < 0 ? null : facts.cached(pid, owner.uid());
        if (b == null || !index.holds(pid, fd, owner.inode())) return null;
        lookups.incrementAndGet();
        sockets.incrementAndGet();
        processes.incrementAndGet();
        ProcessInfo info = b.build();
        return info.uid().isPresent() ? info : b.uid(owner.uid()).build();
    }

    private ProcessInfo attributeOwner(Optional<SocketOwner> found) {
        return findOwner(found).process();
    }

    private Found findOwner(Optional<SocketOwner> found) {
        if (found.isEmpty()) return Found.NONE;
        SocketOwner owner = found.get();
        if (!owner.hasInode()) return Found.NONE; // TIME_WAIT: the uid field is not the owner's
        sockets.incrementAndGet();
        Found socketOnly = new Found(ProcessInfo.builder().uid(owner.uid()).build(), -1, -1, owner.inode());
        int pid = index.pidOf(owner.inode(), owner.uid());
        if (pid <= 0) return socketOnly;
        int fd = index.fdOf(owner.inode(), pid);
        ProcessInfo.Builder b = facts.read(pid, owner.uid());
        if (fd < 0 || !index.holds(pid, fd, owner.inode())) return socketOnly; // exited or reused meanwhile
        processes.incrementAndGet();
        ProcessInfo info = b.build();
        return new Found(info.uid().isPresent() ? info : b.uid(owner.uid()).build(), pid, fd, owner.inode());
    }

    /** Attribution calls so far. */
    public long lookups() { return lookups.get(); }

    /** Calls that found the socket. */
    public long socketsFound() { return sockets.get(); }

    /** Calls whose socket was found by its local end only (the 4-tuple did not match: a redirected client). */
    public long foundByLocalEnd() { return byLocalEnd.get(); }

    /** Calls that found the process. */
    public long processesFound() { return processes.get(); }

    public ProcFdIndex index() { return index; }

    public ProcessFactsCache facts() { return facts; }

    @Override
    public void close() {
        diag.close();
    }
}
