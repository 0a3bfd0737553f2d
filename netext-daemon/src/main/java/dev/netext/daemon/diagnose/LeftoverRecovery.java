package dev.netext.daemon.diagnose;

import dev.netext.daemon.capture.FlowCapture;
import dev.netext.daemon.tunnel.TunnelLauncher;
import dev.netext.daemon.tunnel.hostproxy.HostProxyConfigurator;
import dev.netext.dns.intercept.DnsInterception;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.nfqueue.InboundSteering;
import dev.netext.linux.nfqueue.Iptables;
import dev.netext.linux.nft.Nft;
import dev.netext.linux.resolver.ResolvConf;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import dev.netext.linux.tproxy.TproxySteering;
import dev.netext.packetfilter.PacketFilterEngine;
import dev.netext.tunnel.apps.AppRouting;
import dev.netext.tunnel.killswitch.KillSwitch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code netext diagnose --fix}: undoes what dead instances of every {@link LedgerKind} left in the calling thread's
 * network namespace, with the very recovery each component runs before it starts — never a second way to undo.
 * The switch has no default: a new kind does not compile until it says how it is recovered.
 */
public final class LeftoverRecovery {
    private LeftoverRecovery() {}

    /** What was done for one kind: its recoveries, or the failure that stopped it. */
    public record Outcome(LedgerKind kind, List<StateLedger.Recovery> recovered, String failure) {}

    /** Recovers every kind in {@code stateDir}; one kind failing does not stop the others. */
    public static List<Outcome> recoverAll(Path stateDir) throws Exception {
        List<Outcome> out = new ArrayList<>();
        try (RtNetlink rtnl = RtNetlink.open()) {
            for (LedgerKind kind : LedgerKind.values()) {
                try {
                    out.add(new Outcome(kind, recover(kind, stateDir, rtnl), null));
                } catch (Exception e) {
                    out.add(new Outcome(kind, List.of(), e.getMessage()));
                }
            }
        }
        return out;
    }

    static List<StateLedger.Recovery> recover(LedgerKind kind, Path stateDir, RtNetlink rtnl) throws Exception {
        return switch (kind) {
            case TUNNEL -> new TunnelLauncher(stateDir).recover(rtnl);
            case DNS -> DnsInterception.recover(stateDir);
            case FLOW -> TproxySteering.recover(stateDir, rtnl, new Nft(), new Iptables());
            case INBOUND -> InboundSteering.recover(stateDir, new Iptables());
            case PACKET_FILTER -> PacketFilterEngine.recover(stateDir, new Iptables());
            case CAPTURE -> FlowCapture.recover(stateDir);
            case RESOLVER -> ResolvConf.recover(stateDir);
            case KILL_SWITCH -> KillSwitch.recover(stateDir);
            case APPS -> AppRouting.recover(stateDir);
            case PROXY -> HostProxyConfigurator.recover(stateDir);
        };
    }
}
