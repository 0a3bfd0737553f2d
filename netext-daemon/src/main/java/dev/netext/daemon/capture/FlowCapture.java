package dev.netext.daemon.capture;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.nflog.NflogPacket;
import dev.netext.linux.nflog.NflogSocket;
import dev.netext.linux.nft.Nft;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.tproxy.InterceptionConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A capture of one intercepted flow's real packets, as the kernel sees them:
 *
 * <pre>
 *   open:  bind a free nflog group (NflogSocket) → ledger "nft-table inet netext-capture-G" → nft -f (FlowCaptureRules)
 *   poll:  nflog packet → leg and direction from its tuple (client leg: the flow's own; upstream leg: to or from
 *          the remote, kept when netext's end is the flow's upstream port) → FlowPacket with its comment → sink
 *   close: delete the table → close the ledger → unbind the group
 * </pre>
 *
 * The table is written to a ledger of its own ({@code capture-gG-…state}) before it exists, so a daemon killed
 * mid-capture leaves nothing behind once {@link #recover} runs at the next start. Not thread-safe: one reader.
 */
public final class FlowCapture implements AutoCloseable {
    private static final String NFT_TABLE = "nft-table";
    /** Packets that may wait for the upstream's port: a paused flow's keepalives, a burst after the verdict. */
    private static final int MAX_PENDING = 4096;
    /** Groups tried at random from here up: above what people number their own NFLOG rules with. */
    private static final int GROUP_BASE = 0x8000, GROUP_SPAN = 0x7fff, GROUP_ATTEMPTS = 16;

    private final Flow flow;
    private final NflogSocket socket;
    private final StateLedger ledger;
    private final Nft nft;
    private final int snaplen;
    private final ArrayDeque<Classified> pending = new ArrayDeque<>();
    private long held;
    private boolean closed;

    private FlowCapture(Flow flow, NflogSocket socket, StateLedger ledger, Nft nft, int snaplen) {
        this.flow = flow;
        this.socket = socket;
        this.ledger = ledger;
        this.nft = nft;
        this.snaplen = snaplen;
    }

    /** Starts capturing {@code flow}'s packets, up to {@code snaplen} bytes each; the ledger goes to {@code stateDir}. */
    public static FlowCapture open(Flow flow, Path stateDir, int snaplen) throws IOException {
        NflogSocket socket = bindFreeGroup(snaplen);
        int group = socket.group();
        StateLedger ledger = null;
        Nft nft = new Nft();
        try {
            ledger = StateLedger.create(stateDir, LedgerKind.CAPTURE, "g" + group);
            ledger.record(LedgerEntry.of(NFT_TABLE, "family", FlowCaptureRules.FAMILY, "name", FlowCaptureRules.table(group)));
            nft.apply(FlowCaptureRules.ruleset(flow, group, snaplen, InterceptionConfig.DEFAULT_BYPASS_MARK));
            return new FlowCapture(flow, socket, ledger, nft, snaplen);
        } catch (IOException | RuntimeException e) {
            try {
                nft.deleteTable(FlowCaptureRules.FAMILY, FlowCaptureRules.table(group));
                if (ledger != null) ledger.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            socket.close();
            throw e;
        }
    }

    private static NflogSocket bindFreeGroup(int snaplen) throws LinuxException {
        LinuxException last = null;
        for (int i = 0; i < GROUP_ATTEMPTS; i++) {
            int group = GROUP_BASE + ThreadLocalRandom.current().nextInt(GROUP_SPAN);
            try {
                return NflogSocket.open(group, snaplen);
            } catch (LinuxException e) {
                // nfnetlink_log answers EPERM when another socket holds the group (the daemon runs as root, so
                // that is what it means here): another capture, or another program, has it — try another
                if (!e.is(Errno.EPERM) && !e.is(Errno.EBUSY)) throw e;
                last = e;
            }
        }
        throw last;
    }

    public int group() { return socket.group(); }

    /** One captured packet of the flow, with its leg and the comment pcapng carries for it. */
    public record FlowPacket(CapturedPacket packet, String comment) {}

    /**
     * Waits up to {@code timeoutMillis} for the flow's packets and hands each to {@code sink}, in the order the kernel
     * logged them; returns how many. {@code upstreamLocal} is netext's end of the flow's upstream connection
     * ({@code ADDRESS:PORT}) or null while unknown: until it is known every packet waits here (bounded), so the
     * upstream SYN is kept and the order stays; {@link #finish} lets out what still waits.
     */
    public int poll(int timeoutMillis, String upstreamLocal, Consumer<FlowPacket> sink) throws LinuxException {
        socket.receive(timeoutMillis, p -> {
            Classified c = classify(p);
            if (c == null) return;
            if (pending.size() >= MAX_PENDING) {
                pending.removeFirst();
                held++;
            }
            pending.addLast(c);
        });
        if (upstreamLocal == null) return 0;
        return drain(upstreamLocal, sink);
    }

    /** Hands over what still waits; upstream-leg packets only when {@code upstreamLocal} says they are this flow's. */
    public int finish(String upstreamLocal, Consumer<FlowPacket> sink) {
        return drain(upstreamLocal, sink);
    }

    private int drain(String upstreamLocal, Consumer<FlowPacket> sink) {
        upstreamLocal = normalized(upstreamLocal);
        int n = 0;
        for (Classified c; (c = pending.pollFirst()) != null; ) {
            if (c.netextEnd != null && !c.netextEnd.equals(upstreamLocal)) continue; // another flow to the same remote
            sink.accept(new FlowPacket(c.packet, c.comment));
            n++;
        }
        return n;
    }

    /** {@code ADDRESS:PORT} as {@link Endpoint#toString} prints it (IPv6 compressed, in brackets); null stays null. */
    static String normalized(String endpoint) {
        if (endpoint == null) return null;
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0) return endpoint;
        String host = endpoint.substring(0, colon).replace("[", "").replace("]", "");
        try {
            return new Endpoint(InetAddress.ofLiteral(host), Integer.parseInt(endpoint.substring(colon + 1))).toString();
        } catch (IllegalArgumentException e) {
            return endpoint; // not an address literal: compared as it is, so it matches nothing
        }
    }

    private record Classified(CapturedPacket packet, String netextEnd, String comment) {}

    /** Client leg (its tuple), upstream leg (one end is the remote; the other, netext's, kept), or null. */
    private Classified classify(NflogPacket p) {
        byte[] b = p.payload();
        Tuple t = Tuple.of(b);
        if (t == null) return null;
        long time = p.epochNanos() >= 0 ? p.epochNanos() : nowEpochNanos();
        byte[] data = b.length > snaplen ? Arrays.copyOf(b, snaplen) : b;
        String proto = flow.protocol().name().toLowerCase(Locale.ROOT);
        String local = flow.local().toString(), remote = flow.remote().toString();
        String src = t.src(), dst = t.dst();
        boolean out;
        String netextEnd = null, leg;
        if (src.equals(local) && dst.equals(remote)) {
            out = true;
            leg = "client";
        } else if (src.equals(remote) && dst.equals(local)) {
            out = false;
            leg = "client";
        } else if (dst.equals(remote)) {
            out = true;
            leg = "upstream";
            netextEnd = src;
        } else if (src.equals(remote)) {
            out = false;
            leg = "upstream";
            netextEnd = dst;
        } else {
            return null;
        }
        String comment = "flow=" + flow.id() + " dir=" + (out ? "out" : "in") + " leg=" + leg + " " + proto + " " + src + " > " + dst;
        return new Classified(new CapturedPacket(time, !out, data, b.length), netextEnd, comment);
    }

    /** Source and destination of an IPv4/IPv6 TCP or UDP packet, as {@code Endpoint.toString} prints them. */
    private record Tuple(String src, String dst) {
        static Tuple of(byte[] b) {
            if (b.length < 1) return null;
            int version = (b[0] & 0xff) >>> 4;
            int addrLen, srcAt, header;
            if (version == 4) {
                addrLen = 4;
                srcAt = 12;
                header = (b[0] & 0x0f) * 4;
            } else if (version == 6) {
                addrLen = 16;
                srcAt = 8;
                header = 40; // the rules match no extension headers: th is read after them by nft, here it is not
            } else {
                return null;
            }
            if (b.length < header + 4 || header < 20) return null;
            try {
                var src = InetAddress.getByAddress(Arrays.copyOfRange(b, srcAt, srcAt + addrLen));
                var dst = InetAddress.getByAddress(Arrays.copyOfRange(b, srcAt + addrLen, srcAt + 2 * addrLen));
                int sport = ((b[header] & 0xff) << 8) | (b[header + 1] & 0xff), dport = ((b[header + 2] & 0xff) << 8) | (b[header + 3] & 0xff);
                return new Tuple(new Endpoint(src, sport).toString(), new Endpoint(dst, dport).toString());
            } catch (UnknownHostException e) {
                return null; // cannot happen for 4 or 16 bytes
            }
        }
    }

    private static long nowEpochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** Malformed nflog messages skipped, kernel-side losses and packets pushed out of the wait queue. */
    public long lost() { return socket.malformed() + socket.overruns() + held; }

    /** Deletes the table, then ends the ledger and the group. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            nft.deleteTable(FlowCaptureRules.FAMILY, FlowCaptureRules.table(socket.group()));
            ledger.close();
        } finally {
            socket.close();
        }
    }

    /** Removes the tables of captures whose daemon died (their ledgers); returns what was done. */
    public static List<StateLedger.Recovery> recover(Path stateDir) throws IOException {
        Nft nft = new Nft();
        return StateLedger.recover(stateDir, LedgerKind.CAPTURE, e -> {
            if (e.kind().equals(NFT_TABLE)) nft.deleteTable(e.require("family"), e.require("name"));
        });
    }
}
