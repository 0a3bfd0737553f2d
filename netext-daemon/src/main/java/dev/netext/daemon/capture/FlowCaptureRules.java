package dev.netext.daemon.capture;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.net.IpPrefix;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * The nftables table that copies one flow's packets to an nflog group: a table of its own per capture
 * ({@code inet netext-capture-GROUP}), so it is created and deleted in one step and never touches the flow engine's.
 *
 * <pre>
 *   output     (raw priority)                 both directions of the client ↔ original-destination tuple
 *   prerouting (raw priority, iifname != lo)  the same, for packets arriving from another host
 * </pre>
 *
 * Why these two hooks: with TPROXY a locally originated flow's packets leave through {@code output}, are routed back
 * in through {@code lo} and pass {@code prerouting} a second time; skipping {@code lo} there logs each once. A routed
 * client's packets (gateway interception) arrive in {@code prerouting} on their own interface, and netext's answers
 * to it (from the transparent socket) leave through {@code output}. At raw priority nothing has rewritten the packet
 * yet (TPROXY never rewrites addresses; it only assigns the socket), so the tuple is the application's own.
 *
 * <p>The upstream leg (netext → the original destination, sent with the bypass mark) gets a port the kernel picks
 * when netext connects — after the capture may have started, and after its SYN has left. So the table logs every
 * bypass-marked packet to the destination and every packet from it that arrives from outside, and
 * {@link FlowCapture} keeps those whose netext end is this flow's upstream port ({@code flow.upstream}), holding
 * them until the engine has said which port that is. Other flows of netext to the same destination are copied to
 * the daemon and discarded there; a flow relayed through a proxy has its upstream leg to the proxy, not captured.
 */
public final class FlowCaptureRules {
    private FlowCaptureRules() {}

    public static final String FAMILY = "inet";
    public static final String TABLE_PREFIX = "netext-capture-";

    public static String table(int group) { return TABLE_PREFIX + group; }

    /** The whole table for {@code flow}, logging to {@code group} with at most {@code snaplen} bytes per packet. */
    public static String ruleset(Flow flow, int group, int snaplen, int bypassMark) {
        String there = match(flow.local(), flow.remote(), flow.protocol());
        String back = match(flow.remote(), flow.local(), flow.protocol());
        String ip = flow.remote().address() instanceof Inet6Address ? "ip6" : "ip";
        String l4 = " meta l4proto " + l4(flow.protocol());
        String toRemote = "meta mark 0x" + Integer.toHexString(bypassMark) + " " + ip + " daddr " + address(flow.remote().address())
                + l4 + " th dport " + flow.remote().port();
        String fromRemote = ip + " saddr " + address(flow.remote().address()) + l4 + " th sport " + flow.remote().port();
        String log = " log group " + group + " snaplen " + snaplen;
        return "table " + FAMILY + " " + table(group) + " {\n"
                + "  chain output {\n"
                + "    type filter hook output priority raw; policy accept;\n"
                + "    " + there + log + "\n"
                + "    " + back + log + "\n"
                + "    " + toRemote + log + "\n"
                + "  }\n"
                + "  chain prerouting {\n"
                + "    type filter hook prerouting priority raw; policy accept;\n"
                + "    iifname != \"lo\" " + there + log + "\n"
                + "    iifname != \"lo\" " + fromRemote + log + "\n"
                + "  }\n"
                + "}\n";
    }

    private static String l4(TransportProtocol protocol) {
        return switch (protocol) {
            case TCP -> "tcp";
            case UDP -> "udp";
            case ANY -> throw new IllegalArgumentException("a flow has a transport protocol");
        };
    }

    private static String match(Endpoint from, Endpoint to, TransportProtocol protocol) {
        String ip = from.address() instanceof Inet6Address ? "ip6" : "ip";
        return ip + " saddr " + address(from.address()) + " " + ip + " daddr " + address(to.address())
                + " meta l4proto " + l4(protocol) + " th sport " + from.port() + " th dport " + to.port();
    }

    /** Addresses come from the kernel (never a name), printed numerically: nothing for nft to resolve or misread. */
    private static String address(InetAddress a) {
        return IpPrefix.format(a).replaceAll("%.*$", "");
    }
}
