package dev.netext.wireguard.config;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.DnsSettings;
import dev.netext.api.tunnel.ProxySettings;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.wireguard.Key;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A parsed wg-quick file ({@code wg-quick(8)}): the {@code [Interface]} and its {@code [Peer]}s. Made only by
 * {@link WgQuickParser}, so every value is valid.
 *
 * @param source the file it came from
 * @param iface  the interface section
 * @param peers  the peers, in file order
 */
public record WgQuickConfig(Path source, Interface iface, List<PeerConfig> peers) {
    /** wg-quick's default MTU when it cannot derive one from the route to the endpoint: 1500 - 80. */
    public static final int DEFAULT_MTU = 1420;

    public WgQuickConfig {
        Objects.requireNonNull(iface);
        peers = List.copyOf(peers);
    }

    /**
     * {@code [Interface]}.
     *
     * @param privateKey the interface's static private key
     * @param addresses  {@code Address=}: the tunnel interface's own addresses
     * @param dnsServers {@code DNS=} entries that are addresses
     * @param dnsSearch  {@code DNS=} entries that are names (search domains, as wg-quick hands them to resolvconf)
     * @param mtu        {@code MTU=}, or 0 for {@link #DEFAULT_MTU}
     * @param listenPort {@code ListenPort=}, or 0 for a random port
     * @param table      {@code Table=}: {@link Table#AUTO} unless given
     * @param fwmark     {@code FwMark=}, or 0 for none (netext then uses the tunnel's own bypass mark)
     */
    public record Interface(Key privateKey, List<IpPrefix> addresses, List<InetAddress> dnsServers, List<String> dnsSearch,
                            int mtu, int listenPort, Table table, int fwmark) {
        public Interface {
            addresses = List.copyOf(addresses);
            dnsServers = List.copyOf(dnsServers);
            dnsSearch = List.copyOf(dnsSearch);
        }

        public int effectiveMtu() { return mtu == 0 ? DEFAULT_MTU : mtu; }
    }

    /**
     * {@code [Peer]}.
     *
     * @param endpoint            {@code Endpoint=} as host and port, or null if the peer must call first
     * @param presharedKey        {@code PresharedKey=}, or null
     * @param persistentKeepalive seconds, 0 for off
     */
    public record PeerConfig(Key publicKey, Key presharedKey, Endpoint endpoint, List<IpPrefix> allowedIps,
                             int persistentKeepalive, int line) {
        public PeerConfig {
            allowedIps = List.copyOf(allowedIps);
        }
    }

    /** {@code Endpoint=host:port}; the host is resolved when the tunnel starts, as wg does. */
    public record Endpoint(String host, int port) {
        @Override
        public String toString() { return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port; }
    }

    /** {@code Table=}: {@code auto} (routes for AllowedIPs, a table of its own for a default route), {@code off}, or a number. */
    public record Table(String mode, int number) {
        public static final Table AUTO = new Table("auto", 0);
        public static final Table OFF = new Table("off", 0);

        public boolean isOff() { return mode.equals("off"); }

        public OptionalInt explicit() { return mode.equals("number") ? OptionalInt.of(number) : OptionalInt.empty(); }
    }

    /** The routes wg-quick would add: every peer's AllowedIPs (networks, deduplicated), none with {@code Table = off}. */
    public List<IpPrefix> routes() {
        if (iface.table().isOff()) return List.of();
        LinkedHashSet<IpPrefix> routes = new LinkedHashSet<>();
        for (PeerConfig p : peers) for (IpPrefix a : p.allowedIps()) routes.add(a.network());
        return List.copyOf(routes);
    }

    /**
     * What the tunnel interface looks like to the system, as wg-quick sets it up: its addresses, routes for the
     * allowed IPs (a default route among them makes a full tunnel), the MTU and the DNS servers.
     */
    public TunnelNetworkSettings settings() {
        List<IpPrefix> routes = new ArrayList<>(routes());
        DnsSettings dns = iface.dnsServers().isEmpty() && iface.dnsSearch().isEmpty() ? DnsSettings.NONE
                : new DnsSettings(iface.dnsServers(), iface.dnsSearch(), List.of());
        return new TunnelNetworkSettings(iface.addresses(), routes, List.of(), iface.effectiveMtu(), dns, ProxySettings.NONE);
    }

    /** Whether any peer routes a whole family (wg-quick's full-tunnel mode). */
    public boolean fullTunnel() {
        return routes().stream().anyMatch(r -> r.length() == 0);
    }

    /** Families that carry a default route. */
    public List<IpFamily> fullTunnelFamilies() {
        return routes().stream().filter(r -> r.length() == 0).map(IpPrefix::family).distinct().toList();
    }
}
