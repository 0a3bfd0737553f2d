package dev.netext.dns.server;

import dev.netext.api.dns.DnsTransport;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.diag.ProcessAttributor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The process behind each DNS client socket, found with sock_diag + /proc ({@link ProcessAttributor}) off the query
 * path: {@link #of} starts the lookup as soon as a query arrives (a one-shot client such as {@code dig} closes its
 * socket right after the answer, so the lookup must race ahead of the answer, not follow it) and hands back a future;
 * one worker thread does the lookups, fed by a bounded queue, so a burst of new clients can never stall an I/O
 * thread — what does not fit is {@link ProcessInfo#UNKNOWN}.
 *
 * <p>Answers are cached per transport and client address:port for {@link #FRESH_NANOS}: a long-lived client (a stub
 * resolver, a browser) asking many questions from one socket is looked up once, and a repeat costs one map read and
 * no allocation. A process that no longer holds the socket it was named by cannot be the sender: the entry is
 * dropped when that fd is no longer that socket (checked at most once per {@link #RECHECK_NANOS}), as one-shot
 * clients in a loop do reuse each other's ports — also a port a living process (this one's own query) used before;
 * the cache is bounded by clearing it when it is full.
 *
 * <p>The first query from a socket not seen before gets a {@link NewSocket} future: its answer may be held until
 * the lookup completes ({@link HeldAnswers}, {@link #claimHold}), so a one-shot client is still there to be named.
 *
 * <p>The lookup finds the client's socket by its two ends: the client's address and port, and the listener's
 * address the client sent to. A client that sent to another address and was redirected here (interception) has that
 * other address as its connected peer: then the socket is found by the client's address and port alone
 * ({@link ProcessAttributor#attributeRedirected}).
 */
final class ClientProcesses implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClientProcesses.class);
    /** How long an attribution is reused for the same client socket. */
    static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(5);
    /**
     * How often a cached attribution is checked to still hold its socket (a {@code readlink} of the fd it was found
     * at, ~10 µs: a busy socket pays ~0.1% of a core). Ephemeral ports are random (1 in ~28k), so another socket
     * getting a closed client's port within this time is rare; within the 5 s of {@link #FRESH_NANOS} it is not — the
     * tests' one-shot clients in a loop hit it.
     */
    static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Client sockets remembered at most; beyond that the cache starts over. */
    static final int MAX_CLIENTS = 8192;
    /** Lookups waiting for the worker at most; more are answered {@code UNKNOWN} at once. */
    static final int MAX_WAITING = 1024;

    private static final CompletableFuture<ProcessInfo> UNKNOWN = CompletableFuture.completedFuture(ProcessInfo.UNKNOWN);

    /**
     * A client socket's attribution; {@code found} is where its process held the socket (set before the future
     * completes), {@code checked} when that was last seen still so.
     */
    private final class Entry {
        final CompletableFuture<ProcessInfo> process;
        final long created;
        volatile ProcessAttributor.Found found;
        volatile long checked;

        Entry(CompletableFuture<ProcessInfo> process, long created) {
            this.process = process;
            this.created = created;
            this.checked = created;
        }

        /**
         * Whether this entry still names the sender of a query arriving {@code now}: once the named process no longer
         * holds that socket (it closed it, or exited), another socket has the port — one-shot clients in a loop reuse
         * each other's ports, also while the process named first lives on. Checked at most every
         * {@link #RECHECK_NANOS} (one {@code readlink}), so a busy client costs one check per 10 ms, not one per query.
         */
        boolean current(long now) {
            if (now - created >= FRESH_NANOS) return false;
            if (now - checked < RECHECK_NANOS || !process.isDone()) return true;
            ProcessAttributor.Found f = found;
            if (f != null && f.fd() >= 0 && !attributor.stillHolds(f)) return false;
            checked = now;
            return true;
        }
    }

    /** The lookup started by a socket's first query; the one query that claims it may have its answer held. */
    static final class NewSocket extends CompletableFuture<ProcessInfo> {
        private final AtomicBoolean claimed = new AtomicBoolean();
    }

    /**
     * Whether the query that got {@code process} from {@link #of} may hold its answer for it: the first query from a
     * new client socket whose lookup is still running. Every later query (and any query once it is named) goes
     * straight through.
     */
    static boolean claimHold(CompletableFuture<ProcessInfo> process) {
        return process instanceof NewSocket n && !n.isDone() && n.claimed.compareAndSet(false, true);
    }

    private record Lookup(TransportProtocol protocol, InetSocketAddress client, InetSocketAddress listener, Entry entry) {
        CompletableFuture<ProcessInfo> result() { return entry.process; }
    }

    private final ProcessAttributor attributor; // null: attribution unavailable, everything UNKNOWN
    private final LongSupplier clock;
    private final ConcurrentHashMap<InetSocketAddress, Entry> udp = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<InetSocketAddress, Entry> tcp = new ConcurrentHashMap<>();
    private final BlockingQueue<Lookup> waiting = new ArrayBlockingQueue<>(MAX_WAITING);
    private final Thread worker;
    private volatile boolean closed;
    /** Measures the worker's CPU time; null where the JVM cannot (then {@link #work} is wall time). */
    private final ThreadMXBean cpu;
    /** The worker's CPU time when the lookup in hand started; -1 while it has none. */
    private volatile long lookupStartedCpu = -1;
    /** CPU time the worker spent on finished lookups (the start-up warm-up not included). */
    private volatile long lookupsCpu;

    ClientProcesses(ProcessAttributor attributor, String name, LongSupplier clock) {
        this.attributor = attributor;
        this.clock = clock;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        this.cpu = threads.isThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled() ? threads : null;
        this.worker = attributor == null ? null
                : Thread.ofPlatform().daemon().name("netext-dns-" + name + "-attribution").start(this::work);
    }

    /**
     * Opens sock_diag in the calling thread's network namespace (the listeners' one). Attribution is an extra: when
     * the socket cannot be opened the host runs without it and says so once.
     */
    static ClientProcesses open(String name, LongSupplier clock) {
        try {
            return new ClientProcesses(ProcessAttributor.open(), name, clock);
        } catch (Exception | LinkageError e) {
            log.info("DNS {}: querying processes will not be named (sock_diag unavailable: {})", name, e.getMessage());
            return new ClientProcesses(null, name, clock);
        }
    }

    /**
     * The process of the client socket {@code client} that sent to {@code listener}: a completed future when cached
     * (or when nothing can be known), else one the worker completes — always, with {@code UNKNOWN} on any failure.
     */
    CompletableFuture<ProcessInfo> of(DnsTransport transport, InetSocketAddress client, InetSocketAddress listener) {
        if (attributor == null || closed || client == null) return UNKNOWN;
        ConcurrentHashMap<InetSocketAddress, Entry> cache = transport == DnsTransport.TCP ? tcp : udp;
        long now = clock.getAsLong();
        Entry e = cache.get(client);
        if (e != null && e.current(now)) return e.process;
        if (cache.size() >= MAX_CLIENTS) cache.clear();
        CompletableFuture<ProcessInfo> f = new NewSocket();
        Entry entry = new Entry(f, now);
        Lookup l = new Lookup(transport == DnsTransport.TCP ? TransportProtocol.TCP : TransportProtocol.UDP, client,
                ownEnd(listener, client), entry);
        if (!waiting.offer(l)) return UNKNOWN; // a burst of new clients: name what fits, never block the caller
        cache.put(client, entry);
        return f;
    }

    /**
     * The address the client sent to. A wildcard listener does not know it; a local client most likely asked the
     * loopback address of its family (the listener is local, so a client elsewhere is not attributable anyway).
     */
    private static InetSocketAddress ownEnd(InetSocketAddress listener, InetSocketAddress client) {
        if (listener == null) return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (!listener.getAddress().isAnyLocalAddress()) return listener;
        return new InetSocketAddress(client.getAddress().isLoopbackAddress() ? client.getAddress()
                : InetAddress.getLoopbackAddress(), listener.getPort());
    }

    /** Lookups of its own socket the worker makes before the first query's (JIT warm-up). */
    static final int WARM_UP_LOOKUPS = 200;

    /**
     * Runs the lookup path on a socket of this process before any client's: a cold path (interpreted, classes still
     * loading) takes tens of ms for the first lookups, longer than a held answer waits, and the first clients after
     * start would go unnamed. Each lookup misses the exact 4-tuple and finds the socket by its local end; the first
     * also scans /proc. One short lookup at a time, so a client's query waits for at most one.
     */
    private void warmUp() {
        try (DatagramChannel own = DatagramChannel.open()) {
            own.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            own.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9));
            InetSocketAddress local = (InetSocketAddress) own.getLocalAddress();
            InetSocketAddress elsewhere = new InetSocketAddress(InetAddress.getLoopbackAddress(), 53);
            for (int i = 0; i < WARM_UP_LOOKUPS && !closed && waiting.isEmpty(); i++) {
                attributor.attributeRedirected(TransportProtocol.UDP, local, elsewhere); // the first scans /proc
            }
        } catch (Exception | LinkageError e) {
            log.debug("attribution warm-up: {}", e.toString());
        }
    }

    private void work() {
        warmUp();
        while (!closed) {
            Lookup l;
            try {
                l = waiting.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (l == null) continue;
            ProcessInfo p = ProcessInfo.UNKNOWN;
            long started = cpu == null ? 0 : cpu.getCurrentThreadCpuTime();
            lookupStartedCpu = started;
            try {
                ProcessAttributor.Found found = attributor.findRedirected(l.protocol, l.client, l.listener);
                l.entry.found = found; // before the future completes: current() reads it once the process is done
                p = found.process();
            } catch (Exception | LinkageError e) {
                log.debug("attribution of DNS client {} failed: {}", l.client, e.toString());
            } finally {
                if (cpu != null) lookupsCpu += cpu.getCurrentThreadCpuTime() - started; // only this thread writes
                lookupStartedCpu = -1;
                l.result().complete(p);
            }
        }
        for (Lookup l; (l = waiting.poll()) != null; ) l.result().complete(ProcessInfo.UNKNOWN);
    }

    /**
     * The clock a held answer's bound runs on ({@link HoldBound}): nanoseconds of CPU the worker has spent on
     * clients' lookups, the one in hand included — time it waited for a core, or for a query, does not count. Wall
     * time where the JVM cannot measure a thread's CPU time.
     */
    long lookupWork() {
        if (cpu == null || worker == null) return clock.getAsLong();
        long done;
        long inHand;
        do {
            done = lookupsCpu;
            long started = lookupStartedCpu;
            long now = started < 0 ? -1 : cpu.getThreadCpuTime(worker.threadId());
            inHand = started < 0 || now < 0 ? 0 : Math.max(0, now - started);
        } while (done != lookupsCpu); // a lookup ended meanwhile: read again
        return done + inHand;
    }

    /** Lookups made so far (zero when attribution is unavailable). */
    long lookups() { return attributor == null ? 0 : attributor.lookups(); }

    boolean available() { return attributor != null; }

    @Override
    public void close() {
        closed = true;
        if (worker != null) {
            worker.interrupt();
            try {
                worker.join(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (Lookup l; (l = waiting.poll()) != null; ) l.result().complete(ProcessInfo.UNKNOWN);
            attributor.close();
        }
    }
}
