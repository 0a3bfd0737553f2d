package dev.netext.dns.intercept;

import dev.netext.linux.nft.Nft;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code intercept: true}: every port-53 query (UDP and TCP) this network namespace's programs send, whatever
 * resolver address they name, goes to netext's listener instead — as {@code NEDNSProxyProvider} sees all DNS.
 *
 * <p>One nftables table, {@code inet netext-dns}, with a {@code nat} chain on the {@code output} hook: packets that
 * carry netext's own {@link #DEFAULT_MARK bypass mark} (its upstream sockets set SO_MARK) return untouched, and the
 * rest are {@code redirect}ed to the listener's port on loopback (127.0.0.1, and ::1 when netext listens there).
 * Conntrack rewrites the answers back, so the client sees its chosen resolver answer. Only locally originated
 * traffic is redirected: this is for the host (or namespace) netext runs in, not a router.
 *
 * <p>The table is recorded in a {@link StateLedger} (kind {@link LedgerKind#DNS}) before it is created, deleted on
 * {@link #close}, and deleted by {@link #recover} at the next start after a crash.
 */
public final class DnsInterception implements AutoCloseable {
    public static final String FAMILY = "inet";
    public static final String TABLE = "netext-dns";
    /** netext's marks are 0x4e58_xxxx ("NX"); 0x35 = 53. */
    public static final int DEFAULT_MARK = 0x4e58_0035;
    static final int DNS_PORT = 53;

    private final Nft nft;
    private final StateLedger ledger;
    private boolean closed;

    private DnsInterception(Nft nft, StateLedger ledger) {
        this.nft = nft;
        this.ledger = ledger;
    }

    /**
     * Redirects the namespace's port-53 traffic to {@code listeners} (which must include a loopback or wildcard
     * IPv4 listener; IPv6 is redirected when there is a {@code ::1} or {@code ::} one).
     */
    public static DnsInterception start(List<InetSocketAddress> listeners, int bypassMark, Path ledgerDir) throws IOException {
        String ruleset = ruleset(listeners, bypassMark);
        Nft nft = new Nft();
        recover(ledgerDir);
        if (nft.tableExists(FAMILY, TABLE))
            throw new IOException("nft table " + FAMILY + " " + TABLE + " exists: another netext intercepts DNS in this network namespace");
        StateLedger ledger = StateLedger.create(ledgerDir, LedgerKind.DNS);
        try {
            ledger.record(LedgerEntry.of("nft-table", "family", FAMILY, "name", TABLE));
            nft.apply(ruleset);
        } catch (IOException | RuntimeException e) {
            try {
                nft.deleteTable(FAMILY, TABLE);
            } finally {
                ledger.close();
            }
            throw e;
        }
        return new DnsInterception(nft, ledger);
    }

    /** Deletes what crashed instances of this namespace left; returns what was done. */
    public static List<StateLedger.Recovery> recover(Path ledgerDir) throws IOException {
        Nft nft = new Nft();
        return StateLedger.recover(ledgerDir, LedgerKind.DNS, e -> {
            if (e.kind().equals("nft-table")) nft.deleteTable(e.require("family"), e.require("name"));
        });
    }

    /** The ruleset for {@code listeners}; throws {@link IllegalArgumentException} when none is reachable on loopback. */
    public static String ruleset(List<InetSocketAddress> listeners, int bypassMark) {
        int v4 = port(listeners, false);
        int v6 = port(listeners, true);
        if (v4 < 0) throw new IllegalArgumentException("intercept needs a listener on 127.0.0.1 or 0.0.0.0 (redirected packets arrive on loopback)");
        if (bypassMark == 0) throw new IllegalArgumentException("intercept needs a bypass mark for netext's own upstream sockets");
        StringBuilder sb = new StringBuilder();
        sb.append("table ").append(FAMILY).append(' ').append(TABLE).append(" {\n");
        sb.append("  chain output {\n");
        sb.append("    type nat hook output priority -100; policy accept;\n");
        sb.append("    meta mark ").append(String.format("0x%08x", bypassMark)).append(" return\n");
        sb.append("    meta nfproto ipv4 meta l4proto { udp, tcp } th dport ").append(DNS_PORT).append(" redirect to :").append(v4).append('\n');
        if (v6 >= 0)
            sb.append("    meta nfproto ipv6 meta l4proto { udp, tcp } th dport ").append(DNS_PORT).append(" redirect to :").append(v6).append('\n');
        sb.append("  }\n}\n");
        return sb.toString();
    }

    private static int port(List<InetSocketAddress> listeners, boolean v6) {
        for (InetSocketAddress a : listeners) {
            var addr = a.getAddress();
            boolean family = v6 ? addr instanceof Inet6Address : addr instanceof Inet4Address;
            if (family && (addr.isLoopbackAddress() || addr.isAnyLocalAddress())) return a.getPort();
        }
        return -1;
    }

    /** Removes the table and ends the ledger. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        nft.deleteTable(FAMILY, TABLE);
        ledger.close();
    }
}
