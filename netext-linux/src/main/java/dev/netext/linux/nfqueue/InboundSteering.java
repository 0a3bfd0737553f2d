package dev.netext.linux.nfqueue;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The iptables rules that hand the first packet of every connection another host opens to a local service to queue
 * {@code q}: a TCP SYN, or a UDP datagram of a connection conntrack has not seen answered. For each family:
 *
 * <pre>
 * table mangle, INPUT -j NETEXT-IN-q                        (inserted first)
 * NETEXT-IN-q:
 *   -i lo -j RETURN                                          this host's own connections, and the flow layer's TPROXY
 *   -m addrtype ! --dst-type LOCAL -j RETURN                 broadcasts, multicasts, gateway-mode TPROXY hand-offs
 *   -p tcp --syn -m conntrack --ctstate NEW -j NFQUEUE --queue-num q [--queue-bypass]
 *   -p udp -m conntrack --ctstate NEW -j NFQUEUE --queue-num q [--queue-bypass]
 * table filter, INPUT -j NETEXT-IN-q-R                      (inserted first)
 * NETEXT-IN-q-R:
 *   -m mark --mark REJECT_MARK -p tcp -j REJECT --reject-with tcp-reset
 *   -m mark --mark REJECT_MARK -j REJECT                     ICMP port unreachable
 * net.netfilter.nf_conntrack_acct = 1                      (before the jumps; the old value back on close)
 * </pre>
 *
 * Why mangle: an {@code NF_ACCEPT} from the queue continues with the next table, so an allowed connection still
 * meets the host's own firewall in {@code filter} — netext's allow never overrides a drop there. A reset is the
 * kernel's {@code REJECT} (it builds the RST or ICMP error): the verdict accepts the packet with
 * {@link #REJECT_MARK}, which only {@code filter} may act on. Everything after the first packet (the handshake's
 * rest, the data) never leaves the kernel; later packets still {@code NEW} to conntrack (a SYN retransmitted, UDP
 * before its first answer) reach the queue again and are answered from the decided flow. So an allowed connection's
 * bytes are its conntrack entry's: accounting is on while the steering is installed ({@link SteeringChains}).
 *
 * <p>Without {@code --queue-bypass} (the filter fails closed) new inbound connections are dropped while no netext
 * process has the queue bound. Every chain and jump is written to the {@link StateLedger} (kind
 * {@link LedgerKind#INBOUND}) before it is created; {@link #close} and {@link #recover} remove them with
 * {@link QueueSteering#undo}, which puts the accounting's old value back too.
 */
public final class InboundSteering implements AutoCloseable {
    /**
     * The queue inbound connections wait in, one per network namespace: "NX" + 1, beside the fast path's queue of
     * outbound SYNs (FlowEngine.VERDICT_QUEUE, 0x4e58), which the same engine binds at the same time.
     */
    public static final int DEFAULT_QUEUE = 0x4e59;
    /** The packet mark of a verdict that rejects (RST or ICMP); inside netext's range, beside its other marks. */
    public static final int REJECT_MARK = 0x4e58_0f03;

    private final SteeringChains chains;

    private InboundSteering(SteeringChains chains) {
        this.chains = chains;
    }

    /** The mangle chain's name for queue {@code queue}; the filter chain adds {@code -R}. */
    public static String chain(int queue) { return "NETEXT-IN-" + queue; }

    /** Creates the chains for {@code families}; on failure removes what it created and rethrows. */
    public static InboundSteering install(int queue, boolean failOpen, List<IpFamily> families, StateLedger ledger,
                                          Iptables iptables) throws IOException {
        InboundSteering s = new InboundSteering(new SteeringChains(iptables, ledger,
                "another netext flow layer judges inbound connections in this network namespace"));
        try {
            for (IpFamily f : families) s.installFamily(f, queue, failOpen);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void installFamily(IpFamily family, int queue, boolean failOpen) throws IOException {
        String rejects = chain(queue) + "-R", mark = "0x" + Integer.toHexString(REJECT_MARK);
        chains.newChain(family, "filter", rejects);
        chains.rule(family, "filter", "-A", rejects, "-m", "mark", "--mark", mark, "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset");
        chains.rule(family, "filter", "-A", rejects, "-m", "mark", "--mark", mark, "-j", "REJECT");
        chains.jump(family, "filter", "INPUT", rejects);

        String queued = chain(queue);
        chains.newChain(family, "mangle", queued);
        chains.rule(family, "mangle", "-A", queued, "-i", "lo", "-j", "RETURN");
        chains.rule(family, "mangle", "-A", queued, "-m", "addrtype", "!", "--dst-type", "LOCAL", "-j", "RETURN");
        List<String> toQueue = new ArrayList<>(List.of("-j", "NFQUEUE", "--queue-num", Integer.toString(queue)));
        if (failOpen) toQueue.add("--queue-bypass");
        chains.append(family, "mangle", queued, List.of("-p", "tcp", "--syn", "-m", "conntrack", "--ctstate", "NEW"), toQueue);
        chains.append(family, "mangle", queued, List.of("-p", "udp", "-m", "conntrack", "--ctstate", "NEW"), toQueue);
        chains.countCarriedBytes(); // before the first SYN or datagram is queued: its connection gets counters
        chains.jump(family, "mangle", "INPUT", queued); // last: no packet sees a half-built chain
    }

    /** Removes every jump and chain, newest first (jumps before their chains); objects already gone are fine. */
    @Override
    public void close() { chains.close(); }

    /** Undoes the ledgers of dead instances (kill -9) of this namespace: call before installing. */
    public static List<StateLedger.Recovery> recover(Path dir, Iptables iptables) throws IOException {
        return StateLedger.recover(dir, LedgerKind.INBOUND, e -> QueueSteering.undo(e, iptables));
    }
}
