package dev.netext.daemon.profile;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.DnsSettings;
import dev.netext.api.tunnel.ProxySettings;
import dev.netext.api.tunnel.TunnelNetworkSettings;

import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * {@code tunnel.settings}: addresses, routes, excluded routes, MTU, DNS, proxy and the routing table.
 * Routes must be network prefixes (no host bits): {@code 10.7.0.1/24} is rejected with a hint for
 * {@code 10.7.0.0/24}, since silently widening or narrowing what is routed is worse than asking.
 */
final class NetworkSettingsParser implements SectionParser<NetworkSettingsParser.Result> {

    static final List<String> KEYS = List.of("addresses", "routes", "excluded-routes", "mtu", "dns", "proxy", "table");
    static final int MIN_MTU = 576, MIN_MTU_IPV6 = 1280, MAX_MTU = 65_535;
    private static final Map<Long, String> RESERVED_TABLES = Map.of(253L, "default", 254L, "main", 255L, "local");

    /** The settings, and the routing table (which the YAML keeps under settings, but the model keeps apart). */
    record Result(TunnelNetworkSettings settings, OptionalInt table) {
        static final Result EMPTY = new Result(TunnelNetworkSettings.of(List.of(), List.of(), 0), OptionalInt.empty());
    }

    private final DnsSettingsParser dnsParser = new DnsSettingsParser();
    private final ProxySettingsParser proxyParser = new ProxySettingsParser();

    @Override public String key() { return "settings"; }

    @Override
    public Result parse(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, KEYS);
        if (f == null) return null;
        List<IpPrefix> addresses = Addresses.prefixes(f.get("addresses"), f.path("addresses"), checks, Addresses.Use.INTERFACE_ADDRESS);
        List<IpPrefix> routes = Addresses.prefixes(f.get("routes"), f.path("routes"), checks, Addresses.Use.ROUTE);
        List<IpPrefix> excluded = Addresses.prefixes(f.get("excluded-routes"), f.path("excluded-routes"), checks, Addresses.Use.ROUTE);

        int mtu = 0;
        YamlNode mtuNode = f.get("mtu");
        Long m = checks.integer(mtuNode, f.path("mtu"), "mtu", MIN_MTU, MAX_MTU);
        if (m != null) {
            mtu = m.intValue();
            if (mtu < MIN_MTU_IPV6 && addresses != null) {
                addresses.stream().filter(a -> a.family() == IpFamily.V6).findFirst().ifPresent(a ->
                        checks.error(mtuNode, f.path("mtu"), "mtu " + m + " is below " + MIN_MTU_IPV6
                                + ", the minimum for IPv6 (RFC 8200 §5), and the addresses include " + a));
            }
        }

        DnsSettings dns = DnsSettings.NONE;
        if (f.get("dns") != null) dns = dnsParser.parse(f.get("dns"), f.path("dns"), checks);
        ProxySettings proxy = ProxySettings.NONE;
        if (f.get("proxy") != null) proxy = proxyParser.parse(f.get("proxy"), f.path("proxy"), checks);

        OptionalInt table = OptionalInt.empty();
        YamlNode tableNode = f.get("table");
        Long t = checks.integer(tableNode, f.path("table"), "table", 1, Integer.MAX_VALUE);
        if (t != null) {
            String reserved = RESERVED_TABLES.get(t);
            if (reserved != null) {
                checks.error(tableNode, f.path("table"), "table " + t + " is the kernel's '" + reserved
                        + "' table; pick a number of your own (for example 51820), or leave 'table' out");
            } else {
                table = OptionalInt.of(t.intValue());
            }
        }

        if (checks.errorCount() > before) return null;
        try {
            return new Result(new TunnelNetworkSettings(addresses, routes, excluded, mtu, dns, proxy), table);
        } catch (IllegalArgumentException e) { // the API's own invariants: should have been caught above
            checks.error(f.line(), path, e.getMessage());
            return null;
        }
    }
}
