package dev.netext.linux.nfqueue;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.sys.SysctlOverride;
import dev.netext.linux.tproxy.InterceptionConfig;
import dev.netext.linux.tproxy.TproxyRuleset;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The flow layer's fast path in the kernel: the iptables rules that queue a locally opened TCP connection's SYN and
 * its first packets (a UDP flow's first datagrams) to the flow layer, and remember its verdict in the connection's
 * mark so that every later packet stays in the kernel — the packet filter's flow cache ({@link QueueSteering}), in a field of its own. For queue
 * {@code q}, in table {@code filter} of each family intercepted:
 *
 * <pre>
 * OUTPUT -j NETEXT-FP-q-OUT                                      (inserted first)
 * NETEXT-FP-q-OUT:
 *   -m mark --mark 0/FIELD -m connmark --mark ACCEPTED/FIELD -j RETURN    most packets: an allowed flow's, in one rule
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
 *   [-p tcp|udp --dport 53 -j RETURN] [-m owner --uid-owner U -j RETURN]…
 *   [scope selector] -p tcp --syn -m conntrack --ctstate NEW -j NFQUEUE --queue-num q [--queue-bypass]
 *   [scope selector] -p udp -m conntrack --ctstate NEW -j NFQUEUE --queue-num q [--queue-bypass]
 * NETEXT-FP-q-SET:
 *   -j CONNMARK --save-mark --nfmask FIELD --ctmask FIELD ; -j MARK --set-xmark 0/FIELD
 *   -m connmark --mark PENDING/FIELD -j ACCEPT                   (else back to -OUT, which acts on the saved value)
 * INPUT -j NETEXT-FP-q-IN                                        (TCP: the server's side of a pending connection)
 * NETEXT-FP-q-IN:
 *   -m mark --mark 0/FIELD -m connmark ! --mark PENDING/FIELD -j RETURN     most packets, in one rule
 *   -m mark ! --mark 0/FIELD -j CONNMARK --save-mark …            a verdict on a held reply: saved
 *   -m mark --mark ACCEPTED/FIELD -j MARK --set-xmark 0/FIELD     accepted: on its way
 *   -m mark ! --mark 0/FIELD -j DROP                              rejected or dropped: not delivered
 *   -p tcp ! --tcp-flags SYN SYN -m conntrack --ctdir REPLY -m connmark --mark PENDING/FIELD
 *       -j NFQUEUE --queue-num q [--queue-bypass]                 being named: a server's first bytes are held too
 * gateway mode ({@link InterceptionConfig#forwardedQueued}), connections other hosts open through this one:
 * mangle PREROUTING -i GW -j NETEXT-FP-q-FWD                     (one jump per gateway interface)
 * NETEXT-FP-q-FWD (mangle):   as -OUT: ACCEPTED → RETURN, a verdict → NETEXT-FP-q-SET (mangle), ctdir REPLY → RETURN,
 *   ACCEPTED → RETURN, REJECTED → RETURN (FORWARD rejects), DROPPED → DROP, PENDING → NFQUEUE, mark ≠ 0 → RETURN,
 *   -m connlabel --label 78 -j RETURN                            (the terminated path: inet netext-flow tproxies it)
 *   -m addrtype --dst-type LOCAL,BROADCAST,MULTICAST -j RETURN
 *   -p tcp --syn / -p udp, -m conntrack --ctstate NEW -j NFQUEUE --queue-num q [--queue-bypass]
 * filter FORWARD -j NETEXT-FP-q-REJ:   REJECTED → REJECT tcp-reset (TCP) | REJECT (ICMP port unreachable)
 * filter FORWARD -j NETEXT-FP-q-IN                               (TCP: the server's side of a pending connection)
 * net.netfilter.nf_conntrack_acct = 1                            (before the jumps; the old value back on close)
 * </pre>
 * The SYN's verdict says the path: {@link #PENDING} (fast path: queue its packets until it is named and judged), or
 * an accept carrying {@link InterceptionConfig#interceptMark()}: the kernel routes it again, to {@code lo} and the
 * TPROXY listener (the terminated path; {@code inet netext-flow} labels the connection there).
 * A UDP flow has no handshake: its datagrams stay queued (conntrack has not confirmed the flow, so each is
 * {@code NEW}) until the first is judged — {@link #ACCEPTED}, {@link #REJECTED} (the kernel's ICMP port unreachable),
 * {@link #DROPPED}, or the intercept mark as for TCP.
 *
 * <p>Without {@code --queue-bypass} (fail-closed) new connections are dropped while no process has the queue bound
 * (netext killed); with it they pass unjudged. Connections already judged keep their verdict either way.
 * Every chain and jump is written to the {@link StateLedger} first; {@link QueueSteering#undo} removes them.
 *
 * <p>The steering turns conntrack accounting on ({@link #CONNTRACK_ACCOUNTING}, per network namespace): an allowed
 * UDP flow's socket counts no bytes netext can read, a forwarded flow has no local socket at all; their conntrack
 * entries count them ({@code packets= bytes=} in {@code nf_conntrack}). The kernel gives a connection its counters
 * when it creates it, so only connections opened after the switch are counted — every fast-path flow, as the jumps
 * come after it. Its old value goes to the ledger first ({@link SysctlOverride}); {@link SysctlOverride#undo} puts it
 * back after {@code kill -9}.
 */
public final class VerdictSteering implements AutoCloseable {
    private static final String TABLE = QueueSteering.TABLE, FORWARDED_TABLE = "mangle";
    /** Whether new connections get packet and byte counters ({@code nf_conntrack_acct}): carried flows' bytes. */
    public static final String CONNTRACK_ACCOUNTING = SteeringChains.CONNTRACK_ACCOUNTING;

    /**
     * The connection-mark field (and the packet-mark field of a verdict): bits no netext mark ({@code 0x4e58xxxx})
     * and no packet-filter field ({@link QueueMarks#FIELD_MASK}) uses.
     */
    public static final int FIELD = 0x3080_0000;
    public static final int PENDING = 0x1000_0000, ACCEPTED = 0x2000_0000, REJECTED = 0x3000_0000,
            DROPPED = 0x0080_0000;

    private final SteeringChains chains;

    private VerdictSteering(SteeringChains chains) {
        this.chains = chains;
    }

    public static String chainPrefix(int queue) { return "NETEXT-FP-" + queue; }

    /**
     * Installs the rules for the families {@code config} intercepts: TCP when {@link InterceptionConfig#tcpQueued},
     * UDP when {@link InterceptionConfig#udpQueued}; on failure removes what it made.
     */
    public static VerdictSteering install(int queue, InterceptionConfig config, boolean failOpen, StateLedger ledger,
                                          Iptables iptables) throws IOException {
        VerdictSteering s = new VerdictSteering(new SteeringChains(iptables, ledger,
                "another netext flow layer uses its queue in this network namespace"));
        try {
            for (IpFamily family : IpFamily.values()) {
                List<String> protocols = protocols(config, family);
                if (!protocols.isEmpty()) s.installFamily(family, queue, config, protocols, failOpen);
                List<String> forwarded = protocols.stream().filter(p -> config.forwardedQueued(p.equals("tcp"), family)).toList();
                if (!forwarded.isEmpty()) s.installForwarded(family, queue, config, forwarded, failOpen);
            }
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** The protocols queued in {@code family}: those the config queues and listens for there. */
    static List<String> protocols(InterceptionConfig c, IpFamily family) {
        boolean v4 = family == IpFamily.V4;
        List<String> out = new ArrayList<>();
        if (c.tcpQueued() && (v4 ? c.tcpPortV4() : c.tcpPortV6()) != 0) out.add("tcp");
        if (c.udpQueued() && (v4 ? c.udpPortV4() : c.udpPortV6()) != 0) out.add("udp");
        return out;
    }

    private void installFamily(IpFamily family, int queue, InterceptionConfig c, List<String> protocols,
                               boolean failOpen) throws IOException {
        String out = chainPrefix(queue) + "-OUT", set = chainPrefix(queue) + "-SET", t = TABLE;
        List<String> toQueue = toQueue(queue, failOpen);
        setChain(family, t, set);

        chains.newChain(family, t, out);
        // first, in one rule: most packets here belong to an allowed flow (no verdict in their own mark)
        chains.rule(family, t, "-A", out, "-m", "mark", "--mark", "0x0/" + hex(FIELD), "-m", "connmark", "--mark",
                field(ACCEPTED), "-j", "RETURN");
        chains.rule(family, t, "-A", out, "-m", "mark", "--mark", hex(c.bypassMark()), "-j", "RETURN");
        chains.rule(family, t, "-A", out, "-m", "mark", "!", "--mark", "0x0/" + hex(FIELD), "-j", set);
        // first among the verdicts: the reset a REJECT sends the application goes out here too, in the reply direction
        chains.rule(family, t, "-A", out, "-m", "conntrack", "--ctdir", "REPLY", "-j", "RETURN");
        chains.rule(family, t, "-A", out, "-m", "connmark", "--mark", field(ACCEPTED), "-j", "RETURN");
        chains.rule(family, t, "-A", out, "-p", "tcp", "-m", "connmark", "--mark", field(REJECTED), "-j", "REJECT",
                "--reject-with", "tcp-reset");
        chains.rule(family, t, "-A", out, "-m", "connmark", "--mark", field(REJECTED), "-j", "REJECT");
        chains.rule(family, t, "-A", out, "-m", "connmark", "--mark", field(DROPPED), "-j", "DROP");
        chains.append(family, t, out, List.of("-m", "connmark", "--mark", field(PENDING)), toQueue);
        chains.rule(family, t, "-A", out, "-m", "mark", "!", "--mark", "0x0", "-j", "RETURN");
        chains.rule(family, t, "-A", out, "-m", "addrtype", "--dst-type", "LOCAL", "-j", "RETURN");
        for (String p : protocols)
            if (c.excludeDns()) chains.rule(family, t, "-A", out, "-p", p, "--dport", "53", "-j", "RETURN");
        for (long uid : c.scope().excludeUids())
            chains.rule(family, t, "-A", out, "-m", "owner", "--uid-owner", Long.toString(uid), "-j", "RETURN");
        for (List<String> selector : selectors(c.scope())) {
            for (String p : protocols) {
                // a TCP connection's SYN; a UDP flow's datagrams until the first is judged (conntrack confirms a
                // flow only when its first datagram leaves, so those queued behind it are NEW too)
                List<String> match = new ArrayList<>(selector);
                match.addAll(p.equals("tcp") ? List.of("-p", "tcp", "--syn") : List.of("-p", "udp"));
                match.addAll(List.of("-m", "conntrack", "--ctstate", "NEW"));
                chains.append(family, t, out, match, toQueue);
            }
        }
        if (protocols.contains("tcp")) installReplies(family, queue, toQueue);
        chains.countCarriedBytes(); // before the first SYN or datagram is queued: its connection gets counters
        chains.jump(family, t, "OUTPUT", out); // last: until then no packet sees a half-built chain
    }

    /**
     * The server's side of a connection being named: queued too (all but its SYN-ACK), so that what a server that
     * speaks first sends is held like the client's first bytes until the verdict. A verdict given to such a packet
     * ({@code NF_REPEAT} with the field set) is saved in the connection's mark here, as {@code -SET} does for the
     * client's: an accepted one goes on, a dropped one ends. Most packets leave by the first rule.
     */
    private void installReplies(IpFamily family, int queue, List<String> toQueue) throws IOException {
        String in = chainPrefix(queue) + "-IN", t = TABLE, none = "0x0/" + hex(FIELD);
        chains.newChain(family, t, in);
        chains.rule(family, t, "-A", in, "-m", "mark", "--mark", none, "-m", "connmark", "!", "--mark", field(PENDING),
                "-j", "RETURN");
        chains.rule(family, t, "-A", in, "-m", "mark", "!", "--mark", none, "-j", "CONNMARK", "--save-mark",
                "--nfmask", hex(FIELD), "--ctmask", hex(FIELD));
        chains.rule(family, t, "-A", in, "-m", "mark", "--mark", field(ACCEPTED), "-j", "MARK", "--set-xmark", none);
        chains.rule(family, t, "-A", in, "-m", "mark", "!", "--mark", none, "-j", "DROP");
        chains.append(family, t, in, List.of("-p", "tcp", "!", "--tcp-flags", "SYN", "SYN", "-m", "conntrack",
                "--ctdir", "REPLY", "-m", "connmark", "--mark", field(PENDING)), toQueue);
        chains.jump(family, t, "INPUT", in);
    }

    /**
     * Gateway mode: the same for connections other hosts open through this one, arriving on a gateway interface — in
     * {@code mangle PREROUTING}, before routing and before {@code inet netext-flow}'s TPROXY rules (which run just after,
     * at priority mangle + 1, and hand over only the flows whose verdict carried the intercept mark); and, since
     * {@code REJECT} works only in {@code filter}, a rejected connection's reset or port unreachable from
     * {@code filter FORWARD}. No owner, no scope: another host's packets have no local socket.
     */
    private void installForwarded(IpFamily family, int queue, InterceptionConfig c, List<String> protocols,
                                  boolean failOpen) throws IOException {
        String fwd = chainPrefix(queue) + "-FWD", set = chainPrefix(queue) + "-SET", rej = chainPrefix(queue) + "-REJ";
        String t = FORWARDED_TABLE;
        List<String> toQueue = toQueue(queue, failOpen);
        setChain(family, t, set);
        chains.newChain(family, t, fwd);
        chains.rule(family, t, "-A", fwd, "-m", "mark", "--mark", "0x0/" + hex(FIELD), "-m", "connmark", "--mark",
                field(ACCEPTED), "-j", "RETURN");
        chains.rule(family, t, "-A", fwd, "-m", "mark", "!", "--mark", "0x0/" + hex(FIELD), "-j", set);
        chains.rule(family, t, "-A", fwd, "-m", "conntrack", "--ctdir", "REPLY", "-j", "RETURN");
        chains.rule(family, t, "-A", fwd, "-m", "connmark", "--mark", field(ACCEPTED), "-j", "RETURN");
        chains.rule(family, t, "-A", fwd, "-m", "connmark", "--mark", field(REJECTED), "-j", "RETURN"); // rejected in FORWARD
        chains.rule(family, t, "-A", fwd, "-m", "connmark", "--mark", field(DROPPED), "-j", "DROP");
        chains.append(family, t, fwd, List.of("-m", "connmark", "--mark", field(PENDING)), toQueue);
        chains.rule(family, t, "-A", fwd, "-m", "mark", "!", "--mark", "0x0", "-j", "RETURN");
        // a flow its verdict sent to TPROXY: inet netext-flow labelled it and hands over its later packets
        chains.rule(family, t, "-A", fwd, "-m", "connlabel", "--label", Integer.toString(TproxyRuleset.INTERCEPTED_LABEL),
                "-j", "RETURN");
        // as inet netext-flow's fib daddr type { local, broadcast, multicast } (IPv6 has no broadcast)
        chains.rule(family, t, "-A", fwd, "-m", "addrtype", "--dst-type",
                family == IpFamily.V4 ? "LOCAL,BROADCAST,MULTICAST" : "LOCAL,MULTICAST", "-j", "RETURN");
        for (String p : protocols)
            chains.append(family, t, fwd, p.equals("tcp") ? List.of("-p", "tcp", "--syn", "-m", "conntrack", "--ctstate", "NEW")
                    : List.of("-p", "udp", "-m", "conntrack", "--ctstate", "NEW"), toQueue);
        chains.newChain(family, TABLE, rej);
        chains.rule(family, TABLE, "-A", rej, "-p", "tcp", "-m", "connmark", "--mark", field(REJECTED), "-j", "REJECT",
                "--reject-with", "tcp-reset");
        chains.rule(family, TABLE, "-A", rej, "-m", "connmark", "--mark", field(REJECTED), "-j", "REJECT");
        chains.jump(family, TABLE, "FORWARD", rej); // before the queue's jumps: no rejected packet is forwarded
        // the server's side of a pending forwarded connection arrives on any interface: -IN (installFamily made it)
        if (protocols.contains("tcp")) chains.jump(family, TABLE, "FORWARD", chainPrefix(queue) + "-IN");
        chains.countCarriedBytes(); // before the first forwarded SYN is queued: its connection gets counters
        for (String in : c.gatewayInterfaces()) chains.jump(family, t, "PREROUTING", fwd, in);
    }

    private static List<String> toQueue(int queue, boolean failOpen) {
        List<String> toQueue = new ArrayList<>(List.of("-j", "NFQUEUE", "--queue-num", Integer.toString(queue)));
        if (failOpen) toQueue.add("--queue-bypass");
        return toQueue;
    }

    /** The chain a verdict's {@code NF_REPEAT} passes through: it saves the verdict in the connection's mark. */
    private void setChain(IpFamily family, String table, String set) throws IOException {
        chains.newChain(family, table, set);
        chains.rule(family, table, "-A", set, "-j", "CONNMARK", "--save-mark", "--nfmask", hex(FIELD), "--ctmask", hex(FIELD));
        chains.rule(family, table, "-A", set, "-j", "MARK", "--set-xmark", "0x0/" + hex(FIELD));
        chains.rule(family, table, "-A", set, "-m", "connmark", "--mark", field(PENDING), "-j", "ACCEPT");
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

    private static String field(int value) { return hex(value) + "/" + hex(FIELD); }

    private static String hex(int value) { return "0x" + Integer.toHexString(value); }

    /** Removes every chain and jump, newest first (jumps before the chains they name); then accounting as it was. */
    @Override
    public void close() { chains.close(); }
}
