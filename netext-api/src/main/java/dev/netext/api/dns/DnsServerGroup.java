package dev.netext.api.dns;

import dev.netext.api.flow.Endpoint;

import java.util.List;

/**
 * A named set of upstream resolvers a {@link DnsDecision.Forward} can send queries to, declared in the profile
 * ({@code corp}, {@code public}). NE has no such notion: a DNS proxy opens its own sockets to its upstreams; netext
 * keeps the upstream sockets (marked to bypass every provider, with retries across the group's servers in order) in
 * the host, so forwarding is one line of provider code.
 */
public record DnsServerGroup(String name, List<Endpoint> servers) {
    public DnsServerGroup {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("group name is empty");
        servers = List.copyOf(servers);
        if (servers.isEmpty()) throw new IllegalArgumentException("group " + name + " has no servers");
    }
}
