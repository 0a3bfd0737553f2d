package dev.netext.dns.upstream;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import dev.netext.dns.wire.DnsWire;

/**
 * A named, ordered list of servers (the profile's {@code servers: corp: [a, b]}): queries go to the first healthy
 * server and fail over in order; servers marked down are tried after the healthy ones (never skipped: a group whose
 * only server is marked down still asks it). A server's SERVFAIL or REFUSED counts as a failure and moves on; a
 * failed TCP retry of a truncated answer moves on without counting (the server answered). At most
 * {@code max(2, servers)} attempts, each bounded by the attempt timeout, all within the query timeout; when every
 * attempt fails the caller answers SERVFAIL.
 *
 * @param id      a small number unique among the host's groups while it runs, used in cache keys
 * @param trusted whether the group's answers keep the AD bit (RFC 4035 §3.2.3: only a validating, trusted path may
 *                claim authenticity; otherwise netext clears it, like dnsmasq without proxy-dnssec)
 */
public record ServerGroup(String name, int id, List<UpstreamServer> servers, boolean trusted, LongSupplier nanos)
        implements AutoCloseable {

    public ServerGroup {
        servers = List.copyOf(servers);
    }

    /** Sends the query through the group's servers in failover order. */
    public CompletableFuture<UpstreamServer.Answer> exchange(byte[] query, int length, int questionEnd,
                                                            long attemptTimeoutMillis, long queryTimeoutMillis) {
        CompletableFuture<UpstreamServer.Answer> result = new CompletableFuture<>();
        if (servers.isEmpty()) {
            result.completeExceptionally(new UpstreamException(UpstreamException.Kind.UNAVAILABLE, "server group " + name + " has no servers"));
            return result;
        }
        List<UpstreamServer> order = new ArrayList<>(servers.size());
        for (UpstreamServer s : servers) if (s.healthy()) order.add(s);
        for (UpstreamServer s : servers) if (!s.healthy()) order.add(s);
        int attempts = Math.max(2, order.size());
        long deadline = nanos.getAsLong() + queryTimeoutMillis * 1_000_000L;
        attempt(query, length, questionEnd, order, 0, attempts, deadline, attemptTimeoutMillis, null, result);
        return result;
    }

    private void attempt(byte[] query, int length, int questionEnd, List<UpstreamServer> order, int k, int attempts,
                         long deadline, long attemptTimeout, Throwable last, CompletableFuture<UpstreamServer.Answer> result) {
        long left = (deadline - nanos.getAsLong()) / 1_000_000L;
        if (k >= attempts || left <= 0) {
            result.completeExceptionally(last != null ? last
                    : new UpstreamException(UpstreamException.Kind.TIMEOUT, "server group " + name + ": no answer in time"));
            return;
        }
        UpstreamServer server = order.get(k % order.size());
        server.exchange(query, length, questionEnd, Math.min(attemptTimeout, left)).whenComplete((answer, error) -> {
            if (error == null) {
                int rcode = answer.rcode();
                if (rcode != DnsWire.SERVFAIL && rcode != DnsWire.REFUSED) {
                    server.succeeded();
                    result.complete(answer);
                    return;
                }
                error = new UpstreamException(UpstreamException.Kind.UNAVAILABLE, server.describe() + " answered "
                        + (rcode == DnsWire.SERVFAIL ? "SERVFAIL" : "REFUSED"));
            }
            Throwable cause = UpstreamServer.unwrap(error);
            if (!(cause instanceof UpstreamServer.TruncationRetryFailed)) server.failed();
            attempt(query, length, questionEnd, order, k + 1, attempts, deadline, attemptTimeout, cause, result);
        });
    }

    @Override
    public void close() {
        for (UpstreamServer s : servers) s.close();
    }
}
