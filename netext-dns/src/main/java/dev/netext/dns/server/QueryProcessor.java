package dev.netext.dns.server;

import dev.netext.api.dns.DnsClass;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.dns.DnsRecord;
import dev.netext.api.dns.DnsTransport;
import dev.netext.api.dns.DnsType;
import dev.netext.api.dns.Edns;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.dns.cache.DnsCache;
import dev.netext.dns.split.SplitDnsProvider;
import dev.netext.dns.split.SplitRule;
import dev.netext.dns.upstream.ServerGroup;
import dev.netext.dns.upstream.UpstreamServer;
import dev.netext.dns.wire.MessageBuilder;
import dev.netext.dns.wire.QueryView;
import dev.netext.dns.wire.ResponseView;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.netext.dns.wire.DnsWire.*;

/**
 * The query path, shared by the UDP and TCP listeners:
 * <ol>
 *   <li>parse in place ({@link QueryView}); malformed → FORMERR, a response or runt → dropped;</li>
 *   <li>when events are published or a typed provider decides: start naming the client's process
 *       ({@link ClientProcesses}, asynchronous, cached per client socket); the first answer to a new client socket
 *       is held until it is named or a few ms pass ({@link HeldAnswers}, on no thread);</li>
 *   <li>decide: the built-in split provider on the wire name, on the I/O thread; any other provider through
 *       {@link DnsProxyProvider#handleQuery} on a virtual thread (it may block);</li>
 *   <li>forward decisions: cache lookup on the raw question (hit: copy, patch ID and question case, count TTLs
 *       down — the fast path); miss: the group's upstreams, then cache and map the answer;</li>
 *   <li>blocks and provider answers are built here ({@link MessageBuilder});</li>
 *   <li>over UDP an answer larger than the client's payload size goes back truncated with TC (RFC 2181 §9).</li>
 * </ol>
 */
final class QueryProcessor {
    /** How long a blocking provider's query waits for its process to be attributed, at most. */
    static final long PROCESS_WAIT_MILLIS = 250;
    private final DnsProxyServer host;
    private final DnsProxyProvider provider;
    private final SplitDnsProvider split; // non-null: decide on the wire name
    private final ExecutorService providerThreads;

    QueryProcessor(DnsProxyServer host, DnsProxyProvider provider, ExecutorService providerThreads) {
        this.host = host;
        this.provider = provider;
        this.split = provider instanceof SplitDnsProvider s ? s : null;
        this.providerThreads = providerThreads;
    }

    /**
     * {@link #process}, with an immediate answer to a client socket whose process is still being named held back
     * ({@link HeldAnswers}, through {@code target}'s responder). Returns the length of an answer in {@code s.out} to
     * send now, else 0.
     */
    int processOrHold(Scratch s, int length, InetSocketAddress client, DnsTransport transport, Responder.Target target, long t0) {
        int n = process(s, length, client, transport, target, t0);
        if (n == 0 || !s.holdForProcess || s.process.isDone()) return n;
        HeldAnswers.send(s.process, host.hold(), target.responder(client), s.out, n, host.stats());
        return 0;
    }

    /**
     * Handles the query in {@code s.in[0, length)}. Returns the length of an immediate answer in {@code s.out}, or 0
     * when there is none now (dropped, or answered later through {@code target}).
     */
    int process(Scratch s, int length, InetSocketAddress client, DnsTransport transport, Responder.Target target, long t0) {
        QueryView q = s.query;
        s.process = null;
        s.holdForProcess = false;
        int status = q.parse(s.in, length);
        switch (status) {
            case QueryView.DROP -> { host.stats().dropped.increment(); return 0; }
            case QueryView.FORMAT_ERROR -> {
                host.stats().formErr.increment();
                return MessageBuilder.error(q, false, FORMERR, s.out);
            }
            case QueryView.NOT_IMPLEMENTED -> { return MessageBuilder.error(q, false, NOTIMP, s.out); }
            case QueryView.BAD_VERSION -> { return MessageBuilder.error(q, true, BADVERS, s.out); }
            default -> { }
        }
        host.stats().queries.increment();
        s.process = host.attributes() ? host.processes().of(transport, client, target.localAddress()) : null;
        // a new client socket: its first answer may wait (on no thread) for its process, so a one-shot client is named
        s.holdForProcess = s.process != null && host.hold() != null && ClientProcesses.claimHold(s.process);
        if (split != null) {
            SplitRule rule = split.matchWire(s.in, HEADER_LEN, q.nameEnd());
            return act(s, rule.decision(), rule, client, transport, target, t0);
        }
        if (!q.nameIsPrintable()) return answerNow(s, MessageBuilder.error(q, true, REFUSED, s.out), transport, null, null, client, t0);
        CompletableFuture<ProcessInfo> process = s.process;
        if (provider.decidesWithoutBlocking() && !s.holdForProcess) {
            // no waiting on an I/O thread: the process if this client socket is already known
            DnsQuery dq = toDnsQuery(q, client, transport, process == null ? ProcessInfo.UNKNOWN : process.getNow(ProcessInfo.UNKNOWN));
            DnsDecision d;
            try {
                d = provider.handleQuery(dq);
            } catch (Exception e) {
                host.providerFailed(e);
                d = null;
            }
            if (d == null) return answerNow(s, MessageBuilder.error(q, true, SERVFAIL, s.out), transport, null, null, client, t0);
            return act(s, d, null, client, transport, target, t0);
        }
        DnsQuery dq = toDnsQuery(q, client, transport, ProcessInfo.UNKNOWN);
        byte[] copy = Arrays.copyOf(s.in, length);
        Responder responder = target.responder(client);
        // a provider that decides without blocking is asked on a provider thread only for a new socket's first query,
        // after its process is named or the hold bound passed: it sees the process, and no I/O thread waits
        HoldBound hold = host.hold();
        long processWait = Math.min(PROCESS_WAIT_MILLIS, host.config().queryTimeoutMillis() / 4);
        boolean held = provider.decidesWithoutBlocking() && hold != null;
        CompletableFuture.supplyAsync(() -> {
            try {
                return provider.handleQuery(dq.withProcess(held ? await(process, hold) : await(process, processWait)));
            } catch (Exception e) {
                host.providerFailed(e);
                return null;
            }
        }, providerThreads).orTimeout(host.config().queryTimeoutMillis(), TimeUnit.MILLISECONDS).whenComplete((d, err) -> {
            Scratch own = Scratch.borrow(); // a provider thread: no I/O-thread scratch of its own
            try {
                System.arraycopy(copy, 0, own.in, 0, copy.length);
                own.query.parse(own.in, copy.length);
                own.process = process;
                own.holdForProcess = false;
                int n = d == null || err != null
                        ? answerNow(own, MessageBuilder.error(own.query, true, SERVFAIL, own.out), transport, null, null, client, t0)
                        : act(own, d, null, client, transport, c -> responder, t0);
                if (n > 0) responder.send(own.out, n);
            } finally {
                Scratch.giveBack(own);
            }
        });
        return 0;
    }

    private int act(Scratch s, DnsDecision decision, SplitRule rule, InetSocketAddress client, DnsTransport transport,
                    Responder.Target target, long t0) {
        QueryView q = s.query;
        return switch (decision) {
            case DnsDecision.Forward f -> forward(s, f, f.serverGroup(), rule, client, transport, target, t0);
            case DnsDecision.Default d -> forward(s, d, host.config().defaultGroup(), rule, client, transport, target, t0);
            case DnsDecision.Block b -> switch (b.kind()) {
                case DnsDecision.BlockKind.NxDomain x -> answerNow(s, MessageBuilder.error(q, true, NXDOMAIN, s.out), transport, decision, rule, client, t0);
                case DnsDecision.BlockKind.Refused x -> answerNow(s, MessageBuilder.error(q, true, REFUSED, s.out), transport, decision, rule, client, t0);
                case DnsDecision.BlockKind.Sinkhole sink -> {
                    var records = q.nameIsPrintable() ? sink.answerFor(toDnsQuery(q, client, transport, ProcessInfo.UNKNOWN)) : List.<DnsRecord>of();
                    int n = MessageBuilder.answer(q, records, s.out);
                    yield answerNow(s, n < 0 ? MessageBuilder.error(q, true, SERVFAIL, s.out) : n, transport, decision, rule, client, t0);
                }
            };
            case DnsDecision.Answer a -> {
                int n = MessageBuilder.answer(q, a.records(), s.out);
                yield answerNow(s, n < 0 ? MessageBuilder.error(q, true, SERVFAIL, s.out) : n, transport, decision, rule, client, t0);
            }
        };
    }

    /** Fits an answer built in {@code s.out} to the transport and publishes the event. */
    private int answerNow(Scratch s, int n, DnsTransport transport, DnsDecision decision, SplitRule rule,
                          InetSocketAddress client, long t0) {
        n = fit(s, s.out, n, transport);
        host.events().publish(s.query, client, transport, decision, rule, "", false, s.out, n, t0, s.process);
        return n;
    }

    /** Over UDP, the truncated form when {@code msg} exceeds the client's payload size; copies it into {@code msg}. */
    private int fit(Scratch s, byte[] msg, int n, DnsTransport transport) {
        if (transport != DnsTransport.UDP || n <= s.query.udpPayloadSize()) return n;
        if (s.response.parse(msg, n, null, 0, 0) != ResponseView.OK) return n;
        int t = MessageBuilder.truncated(msg, s.response, s.trunc);
        System.arraycopy(s.trunc, 0, msg, 0, t);
        host.stats().truncated.increment();
        return t;
    }

    /** Cache tag: which query bits the answer depends on (EDNS present, DO, CD, RD) and the group asked. */
    static int cacheTag(QueryView q, int groupId) {
        int bits = (q.hasEdns() ? 1 : 0) | (q.dnssecOk() ? 2 : 0) | (q.checkingDisabled() ? 4 : 0) | (q.recursionDesired() ? 8 : 0);
        return (bits << 16) | (groupId & 0xFFFF);
    }

    private int forward(Scratch s, DnsDecision decision, String groupName, SplitRule rule, InetSocketAddress client,
                        DnsTransport transport, Responder.Target target, long t0) {
        QueryView q = s.query;
        ServerGroup group = host.group(groupName);
        if (group == null) {
            host.unknownGroup(groupName);
            return answerNow(s, MessageBuilder.error(q, true, SERVFAIL, s.out), transport, decision, rule, client, t0);
        }
        int tag = cacheTag(q, group.id());
        DnsCache cache = host.cache();
        if (cache != null && cache.lookup(s.in, HEADER_LEN, q.questionEnd(), tag, s.out, s.lookup)) {
            int n = s.lookup.length;
            System.arraycopy(s.in, 0, s.out, 0, 2);                                              // the client's ID
            System.arraycopy(s.in, HEADER_LEN, s.out, HEADER_LEN, q.questionEnd() - HEADER_LEN); // and its 0x20 case
            if (s.lookup.stale) refresh(s, group, tag);
            n = fit(s, s.out, n, transport);
            host.events().publish(q, client, transport, decision, rule, "", true, s.out, n, t0, s.process);
            return n;
        }
        byte[] query = Arrays.copyOf(s.in, q.length());
        if (q.hasClientSubnet() && !host.config().forwardClientSubnet()) query = Arrays.copyOf(query, stripOption(query, q.length(), q));
        int questionEnd = q.questionEnd();
        int udpSize = q.udpPayloadSize();
        Responder responder = target.responder(client);
        byte[] sent = query;
        CompletableFuture<ProcessInfo> process = s.process;
        boolean hold = s.holdForProcess;
        group.exchange(sent, sent.length, questionEnd, host.config().attemptTimeoutMillis(), host.config().queryTimeoutMillis())
                .whenComplete((answer, error) -> complete(sent, questionEnd, udpSize, group, tag, decision, rule,
                        client, transport, responder, t0, process, hold, answer, error));
        return 0;
    }

    private void complete(byte[] query, int questionEnd, int udpSize, ServerGroup group, int tag, DnsDecision decision,
                          SplitRule rule, InetSocketAddress client, DnsTransport transport, Responder responder, long t0,
                          CompletableFuture<ProcessInfo> process, boolean hold, UpstreamServer.Answer answer,
                          Throwable error) {
        Scratch s = Scratch.forCompletion();
        System.arraycopy(query, 0, s.in, 0, query.length);
        s.query.parse(s.in, query.length);
        s.process = process;
        int n;
        String server = "";
        if (error != null || answer == null) {
            host.stats().servfail.increment();
            n = MessageBuilder.error(s.query, true, SERVFAIL, s.out);
        } else {
            byte[] msg = answer.message();
            server = answer.describe();
            if (!group.trusted()) put16(msg, FLAGS, u16(msg, FLAGS) & ~FLAG_AD);
            n = msg.length;
            if (s.response.parse(msg, n, null, 0, 0) == ResponseView.OK) {
                DnsCache cache = host.cache();
                if (cache != null) cache.put(query, HEADER_LEN, questionEnd, tag, msg, n, s.response);
                host.learnAddresses(s.query, s.response);
            }
            System.arraycopy(msg, 0, s.out, 0, n);
        }
        n = fit(s, s.out, n, transport);
        host.events().publish(s.query, client, transport, decision, rule, server, false, s.out, n, t0, process);
        if (hold && !process.isDone()) HeldAnswers.send(process, host.hold(), responder, s.out, n, host.stats());
        else responder.send(s.out, n);
    }

    /** Asks upstream again for a stale answer (RFC 8767 §5) and caches the result; nobody waits for it. */
    private void refresh(Scratch s, ServerGroup group, int tag) {
        QueryView q = s.query;
        byte[] query = Arrays.copyOf(s.in, q.length());
        if (q.hasClientSubnet() && !host.config().forwardClientSubnet()) query = Arrays.copyOf(query, stripOption(query, q.length(), q));
        int questionEnd = q.questionEnd();
        byte[] sent = query;
        group.exchange(sent, sent.length, questionEnd, host.config().attemptTimeoutMillis(), host.config().queryTimeoutMillis())
                .thenAccept(answer -> {
                    Scratch c = Scratch.forCompletion();
                    byte[] msg = answer.message();
                    if (!group.trusted()) put16(msg, FLAGS, u16(msg, FLAGS) & ~FLAG_AD);
                    if (c.response.parse(msg, msg.length, null, 0, 0) == ResponseView.OK && host.cache() != null)
                        host.cache().put(sent, HEADER_LEN, questionEnd, tag, msg, msg.length, c.response);
                });
    }

    /** Removes the client-subnet option from the query's OPT record (RFC 7871 §7.1.2: not forwarded unless asked). */
    static int stripOption(byte[] m, int length, QueryView q) {
        int at = q.clientSubnetOffset();
        int len = q.clientSubnetLength();
        System.arraycopy(m, at + len, m, at, length - at - len);
        int rdlenAt = q.optStart() + 1 + RR_RDLENGTH;
        put16(m, rdlenAt, u16(m, rdlenAt) - len);
        return length - len;
    }

    /** The typed form of the query for providers and events. */
    DnsQuery toDnsQuery(QueryView q, InetSocketAddress client, DnsTransport transport, ProcessInfo process) {
        Optional<Edns> edns = q.hasEdns() ? Optional.of(new Edns(q.udpPayloadSize(), q.dnssecOk(), Optional.empty())) : Optional.empty();
        return new DnsQuery(host.nextFlowId(), q.name(), new DnsType(q.qtype()), new DnsClass(q.qclass()), edns,
                Endpoint.of(client), process, transport);
    }

    /** The attributed process, waiting (on a provider thread) as long as a held answer would ({@link HoldBound}). */
    private static ProcessInfo await(CompletableFuture<ProcessInfo> process, HoldBound hold) {
        if (process == null) return ProcessInfo.UNKNOWN;
        HoldBound.Start start = hold.start();
        try {
            for (long wait; (wait = hold.remainingNanos(start)) > 0; ) {
                try {
                    return process.get(wait, TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    // attribution may not have worked its bound yet: check again
                }
            }
            return process.getNow(ProcessInfo.UNKNOWN);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ProcessInfo.UNKNOWN;
        } catch (ExecutionException e) {
            return ProcessInfo.UNKNOWN;
        }
    }

    /**
     * The attributed process, waiting at most {@code millis} (on a provider thread, which may block): a provider that
     * takes its time anyway is better served by knowing who asked.
     */
    private static ProcessInfo await(CompletableFuture<ProcessInfo> process, long millis) {
        if (process == null) return ProcessInfo.UNKNOWN;
        try {
            return process.get(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ProcessInfo.UNKNOWN;
        } catch (ExecutionException | TimeoutException e) {
            return ProcessInfo.UNKNOWN;
        }
    }
}
