package dev.netext.api.tunnel;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;

import java.util.List;

/**
 * What the tunnel interface looks like to the system: {@code NEPacketTunnelNetworkSettings}, with its IPv4 and IPv6
 * settings merged (each prefix carries its family).
 *
 * @param addresses      the tunnel interface's own addresses, with prefix lengths ({@code 10.7.0.1/24})
 * @param includedRoutes destinations routed into the tunnel; {@code 0.0.0.0/0} or {@code ::/0} make a full tunnel,
 *                       installed with a policy rule so the provider's own traffic (SO_MARK) never loops back in
 * @param excludedRoutes destinations kept out of the tunnel even when an included route covers them
 * @param mtu            the interface MTU; 0 keeps the default (1500)
 * @param dns            resolvers for the tunnel, with match domains for split DNS
 * @param proxy          HTTP proxy settings to publish
 */
public record TunnelNetworkSettings(
        List<IpPrefix> addresses,
        List<IpPrefix> includedRoutes,
        List<IpPrefix> excludedRoutes,
        int mtu,
        DnsSettings dns,
        ProxySettings proxy) {

    public static final int DEFAULT_MTU = 1500;

    public TunnelNetworkSettings {
        addresses = List.copyOf(addresses);
        includedRoutes = List.copyOf(includedRoutes);
        excludedRoutes = List.copyOf(excludedRoutes);
        if (mtu != 0 && (mtu < 576 || mtu > 65_535))
            throw new IllegalArgumentException("mtu " + mtu + " outside 576..65535");
        if (dns == null) dns = DnsSettings.NONE;
        if (proxy == null) proxy = ProxySettings.NONE;
        for (IpPrefix a : addresses)
            if (a.family() == IpFamily.V6 && mtu != 0 && mtu < 1280)
                throw new IllegalArgumentException("IPv6 address " + a + " needs an mtu of at least 1280 (RFC 8200 §5)");
    }

    public int effectiveMtu() { return mtu == 0 ? DEFAULT_MTU : mtu; }

    public static TunnelNetworkSettings of(List<IpPrefix> addresses, List<IpPrefix> routes, int mtu) {
        return new TunnelNetworkSettings(addresses, routes, List.of(), mtu, DnsSettings.NONE, ProxySettings.NONE);
    }
}
