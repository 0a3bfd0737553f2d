package dev.netext.api.dns;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.net.DomainName;

import java.util.Optional;

/**
 * One question, parsed: what an {@code NEDNSProxyProvider} must dig out of the raw datagrams of an
 * {@code NEAppProxyUDPFlow} itself. The host parses the message, rejects malformed ones with FORMERR before the
 * provider sees them, and hands over the question and the context around it.
 *
 * <p>A message with several questions (which no resolver sends, RFC 9619) is answered FORMERR by the host.
 *
 * @param flowId    the flow that carried the query, for events
 * @param name      the queried name, normalized (lower case, no trailing dot; the root is {@code ""})
 * @param type      QTYPE
 * @param dnsClass  QCLASS
 * @param edns      the query's EDNS(0) information, if it had an OPT record
 * @param client    the address and port the query came from
 * @param process   the querying process, or {@link ProcessInfo#UNKNOWN}
 * @param transport UDP or TCP
 */
public record DnsQuery(
        long flowId,
        String name,
        DnsType type,
        DnsClass dnsClass,
        Optional<Edns> edns,
        Endpoint client,
        ProcessInfo process,
        DnsTransport transport) {

    public DnsQuery {
        if (flowId <= 0) throw new IllegalArgumentException("flow id must be positive, was " + flowId);
        name = DomainName.normalize(name);
        if (type == null || dnsClass == null || client == null || transport == null)
            throw new IllegalArgumentException("type, class, client and transport are required");
        if (edns == null) edns = Optional.empty();
        if (process == null) process = ProcessInfo.UNKNOWN;
    }

    /** This query with the querying process set (the host may learn it after parsing the query). */
    public DnsQuery withProcess(ProcessInfo process) {
        return new DnsQuery(flowId, name, type, dnsClass, edns, client, process, transport);
    }

    /** Whether the queried name is {@code domain} or under it: the split-DNS test. */
    public boolean isWithin(String domain) { return DomainName.isWithin(name, domain); }

    @Override
    public String toString() { return name + " " + dnsClass + " " + type + " from " + client + " over " + transport; }
}
