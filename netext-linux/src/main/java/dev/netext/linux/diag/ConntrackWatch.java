package dev.netext.linux.diag;

import dev.netext.api.flow.TransportProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Map;

/**
 * The conntrack sweep of connections netext judged and the kernel then carries (fast-path flows, forwarded and
 * inbound ones): one read of the {@link ConntrackTable} per sweep, on a thread inside the flows' network namespace,
 * and per flow a {@link Connection} that keeps what the sweeps saw — the bytes so far and whether it ended. The
 * counters exist when conntrack accounting was on as the connection was created (the steering turns it on).
 */
public final class ConntrackWatch {
    private static final Logger log = LoggerFactory.getLogger(ConntrackWatch.class);

    private final String whose; // for the warning: which flows lose their ends and bytes
    private boolean missing;

    /** {@code whose}: the flows this sweep follows, as the warning names them. */
    public ConntrackWatch(String whose) {
        this.whose = whose;
    }

    /** The calling thread's namespace's connections; none (said once) when the kernel does not list them. */
    public Map<ConntrackTable.Tuple, ConntrackTable.Entry> read() {
        try {
            return ConntrackTable.read();
        } catch (IOException | RuntimeException e) {
            if (!missing) log.warn("{}: ends and bytes not seen (no conntrack table in /proc): {}", whose, e.toString());
            missing = true;
            return Map.of();
        }
    }

    /** Whether the table could not be read (then nothing ends by it). */
    public boolean missing() { return missing; }

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
