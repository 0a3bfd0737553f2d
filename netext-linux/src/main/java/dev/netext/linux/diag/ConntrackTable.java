package dev.netext.linux.diag;

import dev.netext.api.net.IpPrefix;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The calling thread's network namespace's conntrack table, as {@code /proc/thread-self/net/nf_conntrack} lists it
 * ({@code CONFIG_NF_CONNTRACK_PROCFS}): what tells that a connection this host only forwards still exists — it has no
 * local socket for {@link SockDiag} or {@link TcpCloseMonitor} to find. A line, {@code nf_conntrack_standalone.c}:
 * <pre>
 * ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=40000 dport=443 src=10.0.0.2 … [ASSURED] mark=0 …
 * ipv6     10 udp     17 29 src=fd00:0000:…:0001 dst=… sport=5353 dport=7 [UNREPLIED] src=… …
 * ipv4     2 tcp      6 117 TIME_WAIT src=… dport=80 packets=12 bytes=900 src=… sport=80 … packets=9 bytes=8400 …
 * </pre>
 * The first four keys are the original direction; TCP entries carry their state before them. With conntrack
 * accounting on ({@code net.netfilter.nf_conntrack_acct=1} when the connection was created) each direction's tuple is
 * followed by its {@code packets= bytes=} ({@code seq_print_acct}): the original direction's (client → server) first,
 * then the reply's.
 */
public final class ConntrackTable {
    static final Path PROC = Path.of("/proc/thread-self/net/nf_conntrack");

    /**
     * One connection: protocol name ({@code tcp}, {@code udp}, …), the original direction, the TCP state or null, its
     * counters (empty when the connection has none: accounting was off when it was created).
     */
    public record Entry(String protocol, InetSocketAddress source, InetSocketAddress destination, String tcpState,
                        Optional<Counters> counters) {
        /** A TCP connection both sides closed (or reset): it lingers in the table, but its flow has ended. */
        public boolean closed() { return "TIME_WAIT".equals(tcpState) || "CLOSE".equals(tcpState); }
    }

    /**
     * A connection's packets and bytes so far: original = client → server, reply = server → client. Bytes are the IP
     * packets' (headers included), as conntrack sees them.
     */
    public record Counters(long originalPackets, long originalBytes, long replyPackets, long replyBytes) {}

    /** The original direction of a connection, as a key. */
    public record Tuple(String protocol, InetSocketAddress source, InetSocketAddress destination) {}

    private ConntrackTable() {}

    /** Whether this kernel lists conntrack entries in {@code /proc}. */
    public static boolean available() { return Files.isReadable(PROC); }

    /** The calling thread's namespace's connections by their original tuple (a thread inside the namespace, then). */
    public static Map<Tuple, Entry> read() throws IOException {
        Map<Tuple, Entry> out = new HashMap<>();
        try (var lines = Files.lines(PROC)) {
            lines.forEach(l -> parse(l).ifPresent(e -> out.put(new Tuple(e.protocol(), e.source(), e.destination()), e)));
        }
        return out;
    }

    /** One line; empty when it is not a port-carrying entry (ICMP, GRE) or malformed. */
    static Optional<Entry> parse(String line) {
        String[] t = line.trim().split("\\s+");
        if (t.length < 8) return Optional.empty();
        String src = null, dst = null, state = null;
        int sport = -1, dport = -1, i = 3;
        for (; i < t.length && dport < 0; i++) {
            String s = t[i];
            if (src == null && s.startsWith("src=")) {
                src = s.substring(4);
                if (!t[i - 1].contains("=") && !t[i - 1].matches("\\d+")) state = t[i - 1];
            } else if (dst == null && s.startsWith("dst=")) dst = s.substring(4);
            else if (sport < 0 && s.startsWith("sport=")) sport = port(s.substring(6));
            else if (s.startsWith("dport=")) dport = port(s.substring(6));
        }
        if (src == null || dst == null || sport < 0 || dport < 0) return Optional.empty();
        try {
            return Optional.of(new Entry(t[2], new InetSocketAddress(IpPrefix.parseAddress(src), sport),
                    new InetSocketAddress(IpPrefix.parseAddress(dst), dport), "tcp".equals(t[2]) ? state : null,
                    counters(t, i)));
        } catch (IllegalArgumentException e) { // numeric only, never a name lookup; a malformed one is skipped
            return Optional.empty();
        }
    }

    /** The two {@code packets= bytes=} pairs from token {@code from} on (after the original tuple); empty unless both. */
    private static Optional<Counters> counters(String[] t, int from) {
        long[] n = new long[4]; // original packets, bytes, reply packets, bytes
        int found = 0;
        for (int i = from; i < t.length && found < 4; i++) {
            String key = found % 2 == 0 ? "packets=" : "bytes=";
            if (!t[i].startsWith(key)) continue;
            n[found] = count(t[i].substring(key.length()));
            if (n[found++] < 0) return Optional.empty();
        }
        return found == 4 ? Optional.of(new Counters(n[0], n[1], n[2], n[3])) : Optional.empty();
    }

    private static long count(String s) {
        try {
            long n = Long.parseLong(s);
            return n >= 0 ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int port(String s) {
        try {
            int p = Integer.parseInt(s);
            return p >= 0 && p <= 0xFFFF ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
