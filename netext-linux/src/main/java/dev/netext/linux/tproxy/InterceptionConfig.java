package dev.netext.linux.tproxy;

import java.util.List;

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
 */
public record InterceptionConfig(int tcpPortV4, int tcpPortV6, int interceptMark, int bypassMark, int table,
                                 int rulePriority, Scope scope) {

    /** netext's defaults: marks in netext's 0x4e58 space, distinct from the tunnel's and the packet filter's. */
    public static final int DEFAULT_INTERCEPT_MARK = 0x4e580f01, DEFAULT_BYPASS_MARK = 0x4e580f02;
    public static final int DEFAULT_TABLE = 52101, DEFAULT_RULE_PRIORITY = 10101;

    public InterceptionConfig {
        if (tcpPortV4 < 0 || tcpPortV4 > 65535 || tcpPortV6 < 0 || tcpPortV6 > 65535)
            throw new IllegalArgumentException("listener port out of range");
        if (tcpPortV4 == 0 && tcpPortV6 == 0) throw new IllegalArgumentException("no listener: nothing to intercept to");
        if (interceptMark == 0 || interceptMark == bypassMark)
            throw new IllegalArgumentException("intercept mark must be non-zero and differ from the bypass mark");
        if (table <= 0 || table == 253 || table == 254 || table == 255)
            throw new IllegalArgumentException("table " + table + " is reserved");
        if (scope == null) scope = Scope.ALL;
    }

    public static InterceptionConfig of(int tcpPortV4, int tcpPortV6, Scope scope) {
        return new InterceptionConfig(tcpPortV4, tcpPortV6, DEFAULT_INTERCEPT_MARK, DEFAULT_BYPASS_MARK,
                DEFAULT_TABLE, DEFAULT_RULE_PRIORITY, scope);
    }

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
