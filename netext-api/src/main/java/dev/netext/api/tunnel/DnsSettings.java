package dev.netext.api.tunnel;

import java.net.InetAddress;
import java.util.List;

/**
 * DNS settings a tunnel asks for: {@code NEDNSSettings}. With match domains the servers answer only names under them
 * (split DNS); an empty match-domain list makes them the default resolvers.
 */
public record DnsSettings(List<InetAddress> servers, List<String> searchDomains, List<String> matchDomains) {
    public static final DnsSettings NONE = new DnsSettings(List.of(), List.of(), List.of());

    public DnsSettings {
        servers = List.copyOf(servers);
        searchDomains = List.copyOf(searchDomains);
        matchDomains = List.copyOf(matchDomains);
    }

    public boolean isEmpty() { return servers.isEmpty() && searchDomains.isEmpty() && matchDomains.isEmpty(); }
}
