package dev.netext.api.dns;

import dev.netext.api.Provider;
import dev.netext.api.tunnel.StopReason;

import java.util.Map;

/**
 * A DNS proxy: {@code NEDNSProxyProvider}. The host intercepts the system's DNS traffic (port 53 over UDP and TCP,
 * plus queries to the stub resolver), parses every query and calls {@link #handleQuery} with it. Split DNS is a
 * few lines: test {@link DnsQuery#isWithin} and {@linkplain DnsDecision#forward forward} to a server group.
 *
 * <p>A provider that needs the raw messages (to speak a protocol the host does not parse, or to relay verbatim) also
 * implements {@link DnsFlowHandler} and claims flows there.
 *
 * <p>Threads: {@link #handleQuery} is called concurrently from host threads, one per in-flight query, and may block
 * (to consult a policy server, say); the client's query times out after the profile's query timeout and the host then
 * answers SERVFAIL. A {@code handleQuery} that throws is logged and answered SERVFAIL.
 */
public interface DnsProxyProvider extends Provider {

    /** Starts the proxy: {@code startProxy(options:completionHandler:)}. Queries arrive after this returns. */
    void startProxy(DnsProxyContext context, Map<String, Object> options) throws Exception;

    /** Stops the proxy; no query is handled after this is called. */
    void stopProxy(StopReason reason) throws Exception;

    /** Decides one query. */
    DnsDecision handleQuery(DnsQuery query) throws Exception;

    /**
     * Whether {@link #handleQuery} never blocks and returns in microseconds (a table lookup, as the built-in split-DNS
     * provider does). The host then calls it on its I/O threads instead of handing each query to a thread of its
     * own. The default, {@code false}, is always safe.
     */
    default boolean decidesWithoutBlocking() { return false; }
}
