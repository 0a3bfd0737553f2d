package dev.netext.linux.tproxy;

import dev.netext.api.net.IpFamily;

import java.util.List;
import java.util.Set;

/**
 * What to intercept and where to send it.
 *
 * @param tcpPortV4     the IPv4 transparent listener's port on 127.0.0.1 (0: no IPv4 interception)
 * @param tcpPortV6     the IPv6 transparent listener's port on ::1 (0: no IPv6 interception)
 * @param interceptMark the fwmark the output chain sets on packets to intercept; policy routing keys on it
 * @param bypassMark    the SO_MARK of netext's own sockets (upstream connections, listeners): never intercepted
 * @param table         the routing table holding {@code local default dev lo}
 * @param rulePriority  the {@code ip rule} priority of {@code fwmark interceptMark lookup table}
 * @param scope         which sockets' traffic is intercepted (empty: every local socket)
 * @param udpPortV4     the IPv4 transparent UDP listener's port on 127.0.0.1 (0: no IPv4 UDP interception)
 * @param udpPortV6     the IPv6 transparent UDP listener's port on ::1 (0: no IPv6 UDP interception)
 * @param gatewayInterfaces gateway mode: interfaces whose <em>forwarded</em> TCP and UDP (from other namespaces or
 *                      hosts routing through this one) is intercepted too, in prerouting; empty: local traffic only
 * @param excludeDns    leave port 53 (TCP and UDP) alone: the DNS layer intercepts it ({@code inet netext-dns}
 *                      redirects it in nat output, after this table's route chain has run), and steering it here too
 *                      would hand the redirected query to the flow listener instead of the DNS listener
 * @param tcpQueued     locally opened TCP connections are not steered to TPROXY here when their SYN leaves: their SYN
 *                      is queued to the flow layer first ({@link dev.netext.linux.nfqueue.VerdictSteering}), whose
 *                      verdict sends the flows that need it to TPROXY with {@link #interceptMark}
 * @param udpQueued     likewise for locally opened UDP flows: their first datagrams are queued to the flow layer, and
 *                      only the flows its verdict marks with {@link #interceptMark} reach the UDP listener
 * @param forwardedQueued gateway mode with the queues: the families whose TCP and UDP forwarded in through
 *                      {@link #gatewayInterfaces} are queued to the flow layer in prerouting too (when
 *                      {@link #tcpQueued} / {@link #udpQueued}); only the flows its verdict marks with
 *                      {@link #interceptMark} are handed to the listeners. Only families the namespace forwards: an
 *                      allowed flow stays in the kernel, which would drop it
 */
public record InterceptionConfig(int tcpPortV4, int tcpPortV6, int interceptMark, int bypassMark, int table,
                                 int rulePriority, Scope scope, int udpPortV4, int udpPortV6,
                                 List<String> gatewayInterfaces, boolean excludeDns, boolean tcpQueued,
                                 boolean udpQueued, Set<IpFamily> forwardedQueued) {

    /** netext's defaults: marks in netext's 0x4e58 space, distinct from the tunnel's and the packet filter's. */
    public static final int DEFAULT_INTERCEPT_MARK = 0x4e580f01, DEFAULT_BYPASS_MARK = 0x4e580f02;
    public static final int DEFAULT_TABLE = 52101, DEFAULT_RULE_PRIORITY = 10101;

    public InterceptionConfig {
        for (int port : new int[]{tcpPortV4, tcpPortV6, udpPortV4, udpPortV6})
            if (port < 0 || port > 65535) throw new IllegalArgumentException("listener port out of range");
        if (tcpPortV4 == 0 && tcpPortV6 == 0 && udpPortV4 == 0 && udpPortV6 == 0)
            throw new IllegalArgumentException("no listener: nothing to intercept to");
        gatewayInterfaces = List.copyOf(gatewayInterfaces == null ? List.of() : gatewayInterfaces);
        for (String i : gatewayInterfaces)
            if (!i.matches("[A-Za-z0-9_.@:-]{1,15}"))
                throw new IllegalArgumentException("bad gateway interface name '" + i + "'");
        if (interceptMark == 0 || interceptMark == bypassMark)
            throw new IllegalArgumentException("intercept mark must be non-zero and differ from the bypass mark");
        if (table <= 0 || table == 253 || table == 254 || table == 255)
            throw new IllegalArgumentException("table " + table + " is reserved");
        if (scope == null) scope = Scope.ALL;
        forwardedQueued = Set.copyOf(forwardedQueued == null ? Set.of() : forwardedQueued);
    }

    /** TCP only, local traffic only: the original form. */
    public InterceptionConfig(int tcpPortV4, int tcpPortV6, int interceptMark, int bypassMark, int table,
                              int rulePriority, Scope scope) {
        this(tcpPortV4, tcpPortV6, interceptMark, bypassMark, table, rulePriority, scope, 0, 0, List.of(), false, false,
                false, Set.of());
    }

    /** Without the SYN queue. */
    public InterceptionConfig(int tcpPortV4, int tcpPortV6, int interceptMark, int bypassMark, int table,
                              int rulePriority, Scope scope, int udpPortV4, int udpPortV6,
                              List<String> gatewayInterfaces, boolean excludeDns) {
        this(tcpPortV4, tcpPortV6, interceptMark, bypassMark, table, rulePriority, scope, udpPortV4, udpPortV6,
                gatewayInterfaces, excludeDns, false, false, Set.of());
    }

    public static InterceptionConfig of(int tcpPortV4, int tcpPortV6, Scope scope) {
        return new InterceptionConfig(tcpPortV4, tcpPortV6, DEFAULT_INTERCEPT_MARK, DEFAULT_BYPASS_MARK,
                DEFAULT_TABLE, DEFAULT_RULE_PRIORITY, scope);
    }

    /** This config with UDP intercepted to these listener ports (0: that family's UDP is not intercepted). */
    public InterceptionConfig withUdp(int portV4, int portV6) {
        return new InterceptionConfig(tcpPortV4, tcpPortV6, interceptMark, bypassMark, table, rulePriority, scope,
                portV4, portV6, gatewayInterfaces, excludeDns, tcpQueued, udpQueued, forwardedQueued);
    }

    /** This config also intercepting traffic forwarded in through {@code interfaces} (gateway mode). */
    public InterceptionConfig withGateway(List<String> interfaces) {
        return new InterceptionConfig(tcpPortV4, tcpPortV6, interceptMark, bypassMark, table, rulePriority, scope,
                udpPortV4, udpPortV6, interfaces, excludeDns, tcpQueued, udpQueued, forwardedQueued);
    }

    /** This config leaving port 53 to the DNS layer's interception. */
    public InterceptionConfig withDnsExcluded(boolean exclude) {
        return new InterceptionConfig(tcpPortV4, tcpPortV6, interceptMark, bypassMark, table, rulePriority, scope,
                udpPortV4, udpPortV6, gatewayInterfaces, exclude, tcpQueued, udpQueued, forwardedQueued);
    }

    /** This config with locally opened TCP queued at its SYN (the fast path) instead of steered at once. */
    public InterceptionConfig withTcpQueued(boolean queued) {
        return new InterceptionConfig(tcpPortV4, tcpPortV6, interceptMark, bypassMark, table, rulePriority, scope,
                udpPortV4, udpPortV6, gatewayInterfaces, excludeDns, queued, udpQueued, forwardedQueued);
    }

    /** This config with locally opened UDP queued at its first datagram (the fast path) instead of steered at once. */
    public InterceptionConfig withUdpQueued(boolean queued) {
        return new InterceptionConfig(tcpPortV4, tcpPortV6, interceptMark, bypassMark, table, rulePriority, scope,
                udpPortV4, udpPortV6, gatewayInterfaces, excludeDns, tcpQueued, queued, forwardedQueued);
    }

    /**
     * This config with the forwarded traffic of gateway mode in {@code families} queued like local traffic (the fast
     * path), in the protocols {@link #tcpQueued} / {@link #udpQueued} name.
     */
    public InterceptionConfig withForwardedQueued(Set<IpFamily> queued) {
        return new InterceptionConfig(tcpPortV4, tcpPortV6, interceptMark, bypassMark, table, rulePriority, scope,
                udpPortV4, udpPortV6, gatewayInterfaces, excludeDns, tcpQueued, udpQueued, queued);
    }

    /** Whether forwarded {@code tcp} (else UDP) of {@code family} is queued before TPROXY (gateway mode, fast path). */
    public boolean forwardedQueued(boolean tcp, IpFamily family) {
        return forwardedQueued.contains(family) && !gatewayInterfaces.isEmpty() && (tcp ? tcpQueued : udpQueued);
    }

    /** Whether anything forwarded is queued before TPROXY. */
    public boolean queuesForwarded() {
        for (IpFamily f : IpFamily.values()) if (forwardedQueued(true, f) || forwardedQueued(false, f)) return true;
        return false;
    }

    /** Whether anything of {@code v6 ? IPv6 : IPv4} is intercepted (and so needs its policy routing). */
    public boolean intercepts(boolean v6) { return v6 ? tcpPortV6 != 0 || udpPortV6 != 0 : tcpPortV4 != 0 || udpPortV4 != 0; }

    /**
     * Per-app scoping as NE's per-app VPN does, decided in the kernel: a packet is intercepted when its socket's
     * owner matches one of {@code uids}, one of {@code gids} or lies under one of {@code cgroups} (cgroup v2 paths
     * relative to the root, e.g. {@code user.slice/user-1000.slice}); with all three empty, every socket matches.
     * {@code excludeUids} are never intercepted.
     */
    public record Scope(List<Long> uids, List<Long> gids, List<String> cgroups, List<Long> excludeUids) {
        public static final Scope ALL = new Scope(List.of(), List.of(), List.of(), List.of());

        public Scope {
            uids = List.copyOf(uids == null ? List.of() : uids);
            gids = List.copyOf(gids == null ? List.of() : gids);
            cgroups = List.copyOf(cgroups == null ? List.of() : cgroups);
            excludeUids = List.copyOf(excludeUids == null ? List.of() : excludeUids);
            for (String c : cgroups)
                if (!c.matches("[A-Za-z0-9_.@:/-]+") || c.contains(".."))
                    throw new IllegalArgumentException("bad cgroup path '" + c + "'");
            for (List<Long> ids : List.of(uids, gids, excludeUids))
                for (long id : ids)
                    if (id < 0 || id > 0xFFFF_FFFEL) throw new IllegalArgumentException("id " + id + " out of range");
        }

        public boolean everything() { return uids.isEmpty() && gids.isEmpty() && cgroups.isEmpty(); }
    }
}
