package dev.netext.linux.nfqueue;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.tproxy.InterceptionConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The flow layer's fast path in the kernel: the iptables rules that queue a locally opened TCP connection's SYN and
 * its first packets to the flow layer, and remember its verdict in the connection's mark so that every later packet
 * stays in the kernel — the packet filter's flow cache ({@link QueueSteering}), in a field of its own. For queue
 * {@code q}, in table {@code filter} of each family intercepted:
 *
 * <pre>
 * OUTPUT -j NETEXT-FP-q-OUT                                      (inserted first)
 * NETEXT-FP-q-OUT:
 *   -m mark --mark BYPASS -j RETURN                              netext's own packets (a reset to a dropped server)
 *   -m mark ! --mark 0/FIELD -j NETEXT-FP-q-SET                  a verdict (NF_REPEAT with the field set): save it
 *   -m conntrack --ctdir REPLY -j RETURN                         (a REJECT's own reset to the application included)
 *   -m connmark --mark ACCEPTED/FIELD -j RETURN                  allowed: the kernel carries the rest
 *   -p tcp -m connmark --mark REJECTED/FIELD -j REJECT --reject-with tcp-reset     dropped: a reset to the application
 *   -m connmark --mark REJECTED/FIELD -j REJECT                  (ICMP port unreachable)
 *   -m connmark --mark DROPPED/FIELD -j DROP                     dropped silently
 *   -m connmark --mark PENDING/FIELD -j NFQUEUE --queue-num q [--queue-bypass]     being named: to the flow layer
 *   -m mark ! --mark 0 -j RETURN                                 netext's own, marked (VPN) and TPROXY'd sockets
 *   -m addrtype --dst-type LOCAL -j RETURN
 *   [-p tcp --dport 53 -j RETURN] [-m owner --uid-owner U -j RETURN]…
 *   [scope selector] -p tcp --syn -m conntrack --ctstate NEW -j NFQUEUE --queue-num q [--queue-bypass]
 * NETEXT-FP-q-SET:
 *   -j CONNMARK --save-mark --nfmask FIELD --ctmask FIELD ; -j MARK --set-xmark 0/FIELD
 *   -m connmark --mark PENDING/FIELD -j ACCEPT                   (else back to -OUT, which acts on the saved value)
 * </pre>
 * The SYN's verdict says the path: {@link #PENDING} (fast path: queue its packets until it is named and judged), or
 * an accept carrying {@link InterceptionConfig#interceptMark()}: the kernel routes it again, to {@code lo} and the
 * TPROXY listener (the terminated path; {@code inet netext-flow} labels the connection there).
 *
 * <p>Without {@code --queue-bypass} (fail-closed) new connections are dropped while no process has the queue bound
 * (netext killed); with it they pass unjudged. Connections already judged keep their verdict either way.
 * Every chain and jump is written to the {@link StateLedger} first; {@link QueueSteering#undo} removes them.
 */
public final class VerdictSteering implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VerdictSteering.class);

    /**
     * The connection-mark field (and the packet-mark field of a verdict): bits no netext mark ({@code 0x4e58xxxx})
     * and no packet-filter field ({@link QueueMarks#FIELD_MASK}) uses.
     */
    public static final int FIELD = 0x3080_0000;
    public static final int PENDING = 0x1000_0000, ACCEPTED = 0x2000_0000, REJECTED = 0x3000_0000,
            DROPPED = 0x0080_0000;

    private final Iptables iptables;
    private final List<LedgerEntry> created = new ArrayList<>();
    private boolean closed;

    private VerdictSteering(Iptables iptables) {
        this.iptables = iptables;
    }

    public static String chainPrefix(int queue) { return "NETEXT-FP-" + queue; }

    /** Installs the rules for TCP of the families {@code config} intercepts; on failure removes what it made. */
    public static VerdictSteering install(int queue, InterceptionConfig config, boolean failOpen, StateLedger ledger,
                                          Iptables iptables) throws IOException {
        VerdictSteering s = new VerdictSteering(iptables);
        try {
            if (config.tcpPortV4() != 0) s.installFamily(IpFamily.V4, queue, config, failOpen, ledger);
            if (config.tcpPortV6() != 0) s.installFamily(IpFamily.V6, queue, config, failOpen, ledger);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void installFamily(IpFamily family, int queue, InterceptionConfig c, boolean failOpen, StateLedger ledger)
            throws IOException {
        String fam = family == IpFamily.V4 ? "4" : "6";
        String out = chainPrefix(queue) + "-OUT", set = chainPrefix(queue) + "-SET";
        List<String> toQueue = new ArrayList<>(List.of("-j", "NFQUEUE", "--queue-num", Integer.toString(queue)));
        if (failOpen) toQueue.add("--queue-bypass");
        newChain(fam, family, set, ledger);
        run(family, "-A", set, "-j", "CONNMARK", "--save-mark", "--nfmask", hex(FIELD), "--ctmask", hex(FIELD));
        run(family, "-A", set, "-j", "MARK", "--set-xmark", "0x0/" + hex(FIELD));
        run(family, "-A", set, "-m", "connmark", "--mark", field(PENDING), "-j", "ACCEPT");

        newChain(fam, family, out, ledger);
        run(family, "-A", out, "-m", "mark", "--mark", hex(c.bypassMark()), "-j", "RETURN");
        run(family, "-A", out, "-m", "mark", "!", "--mark", "0x0/" + hex(FIELD), "-j", set);
        // first among the verdicts: the reset a REJECT sends the application goes out here too, in the reply direction
        run(family, "-A", out, "-m", "conntrack", "--ctdir", "REPLY", "-j", "RETURN");
        run(family, "-A", out, "-m", "connmark", "--mark", field(ACCEPTED), "-j", "RETURN");
        run(family, "-A", out, "-p", "tcp", "-m", "connmark", "--mark", field(REJECTED), "-j", "REJECT",
                "--reject-with", "tcp-reset");
        run(family, "-A", out, "-m", "connmark", "--mark", field(REJECTED), "-j", "REJECT");
        run(family, "-A", out, "-m", "connmark", "--mark", field(DROPPED), "-j", "DROP");
        append(family, out, List.of("-m", "connmark", "--mark", field(PENDING)), toQueue);
        run(family, "-A", out, "-m", "mark", "!", "--mark", "0x0", "-j", "RETURN");
        run(family, "-A", out, "-m", "addrtype", "--dst-type", "LOCAL", "-j", "RETURN");
        if (c.excludeDns()) run(family, "-A", out, "-p", "tcp", "--dport", "53", "-j", "RETURN");
        for (long uid : c.scope().excludeUids())
            run(family, "-A", out, "-m", "owner", "--uid-owner", Long.toString(uid), "-j", "RETURN");
        for (List<String> selector : selectors(c.scope())) {
            List<String> match = new ArrayList<>(selector);
            match.addAll(List.of("-p", "tcp", "--syn", "-m", "conntrack", "--ctstate", "NEW"));
            append(family, out, match, toQueue);
        }
        // the jump goes in last: until then no packet sees a half-built chain
        LedgerEntry jump = LedgerEntry.of(QueueSteering.LEDGER_JUMP, "family", fam, "table", QueueSteering.TABLE,
                "from", "OUTPUT", "chain", out);
        record(ledger, jump);
        run(family, "-I", "OUTPUT", "1", "-j", out);
    }

    /** One iptables match per scope selector; a single empty one for "everything". */
    static List<List<String>> selectors(InterceptionConfig.Scope s) {
        List<List<String>> out = new ArrayList<>();
        if (s.everything()) {
            out.add(List.of());
            return out;
        }
        for (long uid : s.uids()) out.add(List.of("-m", "owner", "--uid-owner", Long.toString(uid)));
        for (long gid : s.gids()) out.add(List.of("-m", "owner", "--gid-owner", Long.toString(gid)));
        for (String cg : s.cgroups()) out.add(List.of("-m", "cgroup", "--path", cg.startsWith("/") ? cg : "/" + cg));
        return out;
    }

    private void append(IpFamily family, String chain, List<String> match, List<String> target) throws IOException {
        List<String> rule = new ArrayList<>(List.of("-A", chain));
        rule.addAll(match);
        rule.addAll(target);
        iptables.run(family, rule);
    }

    private void run(IpFamily family, String... args) throws IOException { iptables.run(family, List.of(args)); }

    private void newChain(String fam, IpFamily family, String chain, StateLedger ledger) throws IOException {
        if (iptables.tryRun(family, List.of("-n", "-L", chain)).exit() == 0)
            throw new IOException("iptables chain " + chain + " already exists: another netext flow layer uses its queue"
                    + " in this network namespace");
        record(ledger, LedgerEntry.of(QueueSteering.LEDGER_CHAIN, "family", fam, "table", QueueSteering.TABLE,
                "chain", chain));
        iptables.run(family, List.of("-N", chain));
    }

    private void record(StateLedger ledger, LedgerEntry e) throws IOException {
        ledger.record(e);
        created.add(e);
    }

    private static String field(int value) { return hex(value) + "/" + hex(FIELD); }

    private static String hex(int value) { return "0x" + Integer.toHexString(value); }

    /** Removes every chain and jump, newest first (jumps before the chains they name). */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        QueueSteering.undoAll(created, iptables);
    }
}
