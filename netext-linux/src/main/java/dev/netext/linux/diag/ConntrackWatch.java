package dev.netext.linux.diag;

import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.netns.NetworkNamespace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * The conntrack sweep of connections netext judged and the kernel then carries (fast-path flows, forwarded and
 * inbound ones): one per network namespace in a process, shared by the consumers that follow such flows (the fast
 * path's queue, the inbound one), which {@link #join} it. Every {@link #INTERVAL} its thread — started by the first
 * consumer's, so inside that namespace — calls each consumer in turn with the same {@link Sweep}: the
 * {@link ConntrackTable} is read at most once per sweep, when the first consumer asks, and every consumer that asks
 * sees that same map. The last consumer to leave stops the thread. Per flow a {@link Connection} keeps what the
 * sweeps saw — the bytes so far and whether it ended. The counters exist when conntrack accounting was on as the
 * connection was created (the steering turns it on).
 */
public final class ConntrackWatch {
    private static final Logger log = LoggerFactory.getLogger(ConntrackWatch.class);
    /** How often the consumers are called (and the table read, if one asks). */
    public static final Duration INTERVAL = Duration.ofSeconds(5);

    /** What a consumer does each sweep, on the sweep's thread; an exception is logged, the sweep goes on. */
    @FunctionalInterface
    public interface Consumer {
        void sweep(Sweep sweep);
    }

    /** Reads the table in the calling thread's namespace: {@link ConntrackTable#read}, or a test's. */
    @FunctionalInterface
    interface TableReader {
        Map<ConntrackTable.Tuple, ConntrackTable.Entry> read() throws IOException;
    }

    /** The running sweeps of this process, by namespace ({@link NetworkNamespace#currentKey}). */
    private static final Map<String, ConntrackWatch> BY_NAMESPACE = new HashMap<>();

    private final String namespace;
    private final TableReader reader;
    private final long intervalNanos;
    private final List<Membership> members = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stopped, missing;
    private int reads; // tables read, for tests

    private ConntrackWatch(String namespace, TableReader reader, Duration interval) {
        this.namespace = namespace;
        this.reader = reader;
        this.intervalNanos = interval.toNanos();
        this.thread = Thread.ofPlatform().name("conntrack-sweep").daemon().unstarted(this::run);
    }

    /**
     * Joins the calling thread's namespace's sweep (starting it, on a thread created here and so in this namespace,
     * when none runs). {@code whose}: the flows the consumer follows, as the warning of a missing table names them.
     */
    public static Membership join(String whose, Consumer consumer) throws IOException {
        String namespace = NetworkNamespace.currentKey();
        return join(namespace, whose, consumer, ConntrackTable::read, INTERVAL);
    }

    /** As {@link #join(String, Consumer)} for {@code namespace}; the first member's reader and interval are the sweep's. */
    static Membership join(String namespace, String whose, Consumer consumer, TableReader reader, Duration interval) {
        synchronized (BY_NAMESPACE) {
            ConntrackWatch w = BY_NAMESPACE.get(namespace);
            boolean started = w == null;
            if (started) {
                w = new ConntrackWatch(namespace, reader, interval);
                BY_NAMESPACE.put(namespace, w);
            }
            Membership m = new Membership(w, whose, consumer);
            w.members.add(m);
            if (started) w.thread.start();
            return m;
        }
    }

    /** The sweep running for {@code namespace}, or null (for tests). */
    static ConntrackWatch running(String namespace) {
        synchronized (BY_NAMESPACE) {
            return BY_NAMESPACE.get(namespace);
        }
    }

    private void run() {
        long next = System.nanoTime() + intervalNanos;
        while (!stopped) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue;
            }
            sweep();
            next = System.nanoTime() + intervalNanos; // a fixed delay: a slow sweep is not followed by a burst
        }
    }

    /** One sweep: every member in turn, sharing one read of the table. */
    void sweep() {
        TableRead read = new TableRead();
        for (Membership m : members) m.sweep(new Sweep(m, read));
    }

    private void leave(Membership m) {
        synchronized (BY_NAMESPACE) {
            members.remove(m);
            if (!members.isEmpty()) return;
            BY_NAMESPACE.remove(namespace, this);
            stopped = true;
        }
        LockSupport.unpark(thread);
        if (Thread.currentThread() == thread) return; // a consumer leaving from its own sweep
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Tables read so far. */
    synchronized int reads() { return reads; }

    /** The sweep's thread (for tests: stopped once the last member left). */
    Thread thread() { return thread; }

    /** One sweep's table, read on the first ask; an unreadable one is empty, and makes the sweep {@link #missing}. */
    private final class TableRead {
        private Map<ConntrackTable.Tuple, ConntrackTable.Entry> table;
        private String error;

        Map<ConntrackTable.Tuple, ConntrackTable.Entry> table() {
            if (table != null) return table;
            try {
                table = reader.read();
                synchronized (ConntrackWatch.this) { reads++; }
            } catch (IOException | RuntimeException e) {
                missing = true;
                error = e.toString();
                table = Map.of();
            }
            return table;
        }
    }

    /** A consumer's place in the sweep; {@link #close} leaves it (the last to leave stops the thread). */
    public static final class Membership implements AutoCloseable {
        private final ConntrackWatch watch;
        private final String whose;
        private final Consumer consumer;
        private boolean left, warned; // guarded by this

        private Membership(ConntrackWatch watch, String whose, Consumer consumer) {
            this.watch = watch;
            this.whose = whose;
            this.consumer = consumer;
        }

        /** The sweep joined (for tests). */
        ConntrackWatch watch() { return watch; }

        private synchronized void sweep(Sweep s) {
            if (left) return;
            try {
                consumer.sweep(s);
            } catch (RuntimeException e) {
                log.warn("{}: conntrack sweep failed", whose, e);
            }
        }

        private synchronized void warnOnce(String error) {
            if (!warned) log.warn("{}: ends and bytes not seen (no conntrack table in /proc): {}", whose, error);
            warned = true;
        }

        /** Leaves the sweep; once it returns, the consumer is not called again (one running now is waited for). */
        @Override
        public void close() {
            synchronized (this) {
                if (left) return;
                left = true;
            }
            watch.leave(this);
        }
    }

    /** One sweep as a consumer sees it: valid while its {@link Consumer#sweep} runs, on the sweep's thread. */
    public static final class Sweep {
        private final Membership member;
        private final TableRead read;

        private Sweep(Membership member, TableRead read) {
            this.member = member;
            this.read = read;
        }

        /**
         * The namespace's connections by their original tuple, read once per sweep for every consumer; none (said
         * once per consumer) when the kernel does not list them.
         */
        public Map<ConntrackTable.Tuple, ConntrackTable.Entry> table() {
            Map<ConntrackTable.Tuple, ConntrackTable.Entry> t = read.table();
            if (read.error != null) member.warnOnce(read.error);
            return t;
        }

        /** Whether the table could not be read, in this sweep or an earlier one (then nothing ends by it). */
        public boolean missing() { return member.watch.missing; }
    }

    /**
     * One flow's connection across sweeps, by its original tuple (the side that opened it is the source). A flow may
     * outlive its entry: a UDP entry expires when idle, and the next datagram makes a new one with counters from
     * zero; those of an entry gone (or counting less than before: replaced between two sweeps) are added to the
     * earlier ones. A UDP entry just disappears on expiry, once idle for its timeout (30 s, 120 s once both sides
     * spoke), longer than a sweep: the last sweep saw every datagram, so its counts are the entry's total (with
     * {@code nf_conntrack_udp_timeout} below the sweep's interval the last datagrams may be missed, a short flow's
     * all). Used by one sweeping thread at a time.
     */
    public static final class Connection {
        private final ConntrackTable.Tuple tuple;
        private ConntrackTable.Counters current, earlier; // the entry's now; the sum of entries gone
        private boolean seen, listed;

        /** {@code protocol} as the table names it: {@code tcp}, {@code udp}. */
        public Connection(TransportProtocol protocol, InetSocketAddress source, InetSocketAddress destination) {
            this.tuple = new ConntrackTable.Tuple(protocol.name().toLowerCase(Locale.ROOT), source, destination);
        }

        /**
         * One sweep's look at {@code table}; true when the connection ended there: its entry closed (TCP, lingering
         * in TIME_WAIT or CLOSE with its final counts) or gone after a sweep saw it.
         */
        public boolean sweep(Map<ConntrackTable.Tuple, ConntrackTable.Entry> table) {
            ConntrackTable.Entry e = table.get(tuple);
            if (e == null) {
                fold();
                boolean ended = listed;
                listed = false;
                return ended;
            }
            seen = listed = true;
            ConntrackTable.Counters c = e.counters().orElse(null);
            if (c != null && current != null && c.originalPackets() + c.replyPackets()
                    < current.originalPackets() + current.replyPackets()) fold(); // a new entry since the last sweep
            if (c != null) current = c;
            return e.closed();
        }

        /** Whether any sweep found its entry. */
        public boolean seen() { return seen; }

        /** The counters of every entry seen, summed; null when none had any (accounting was off). */
        public ConntrackTable.Counters counted() {
            if (current == null) return earlier;
            if (earlier == null) return current;
            return new ConntrackTable.Counters(earlier.originalPackets() + current.originalPackets(),
                    earlier.originalBytes() + current.originalBytes(), earlier.replyPackets() + current.replyPackets(),
                    earlier.replyBytes() + current.replyBytes());
        }

        private void fold() {
            earlier = counted();
            current = null;
        }
    }
}
