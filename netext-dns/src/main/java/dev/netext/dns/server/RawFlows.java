package dev.netext.dns.server;

import dev.netext.api.dns.DnsFlowHandler;
import dev.netext.api.dns.DnsTransport;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.flow.UdpFlow;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The raw entry point ({@link DnsFlowHandler}, {@code NEDNSProxyProvider.handleNewFlow}): offers every new DNS flow to
 * the provider before anything is parsed, and runs claimed flows on threads of their own.
 *
 * <ul>
 *   <li>UDP: a flow is one client socket (address and port). Its first datagram asks {@link DnsFlowHandler#handleNewFlow};
 *       a claimed flow gets this and every later datagram of that socket until it has been idle for
 *       {@link #UDP_IDLE_NANOS}; an unclaimed one takes the typed path, and the answer is remembered for the same
 *       time so the provider is asked once per socket.</li>
 *   <li>TCP: a flow is one connection, offered when it is accepted.</li>
 * </ul>
 * {@code handleNewFlow} runs on the I/O thread (it must return quickly, as documented); the flow's process is the
 * one already attributed to that client socket, if any. {@link DnsFlowHandler#handleFlow} runs on a virtual thread,
 * and the flow is closed when it returns or throws.
 */
final class RawFlows {
    private static final Logger log = LoggerFactory.getLogger(RawFlows.class);
    static final long UDP_IDLE_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Client sockets remembered at most; beyond that, idle ones are forgotten. */
    static final int MAX_UDP_FLOWS = 8192;

    /** A UDP client socket the provider did not claim, and when it was last heard from. */
    private static final class Unclaimed {
        volatile long lastSeen;

        Unclaimed(long now) { lastSeen = now; }
    }

    private final DnsProxyServer host;
    private final DnsFlowHandler handler;
    private final ExecutorService threads;
    private final LongSupplier clock;
    /** Per UDP client socket: its {@link RawDnsFlow}, or {@link Unclaimed}. */
    private final ConcurrentHashMap<InetSocketAddress, Object> udp = new ConcurrentHashMap<>();

    RawFlows(DnsProxyServer host, DnsFlowHandler handler, ExecutorService threads, LongSupplier clock) {
        this.host = host;
        this.handler = handler;
        this.threads = threads;
        this.clock = clock;
    }

    /**
     * A datagram from {@code client} to the UDP listener {@code listener}: true when a claimed flow took it (or it
     * was dropped for that flow), false when it takes the typed path.
     */
    boolean udp(byte[] msg, int length, InetSocketAddress client, InetSocketAddress listener, Responder.Target target) {
        long now = clock.getAsLong();
        Object known = udp.get(client);
        if (known instanceof RawDnsFlow f && !f.isClosed()) {
            if (!f.deliver(msg, length, client)) host.stats().dropped.increment();
            return true;
        }
        if (known instanceof Unclaimed u && now - u.lastSeen < UDP_IDLE_NANOS) {
            u.lastSeen = now;
            return false;
        }
        if (udp.size() >= MAX_UDP_FLOWS) forgetIdle(now);
        Flow flow = new UdpFlow(host.nextFlowId(), Direction.OUTBOUND, Endpoint.of(client), ownEnd(listener),
                processOf(DnsTransport.UDP, client, listener), Optional.empty(), Optional.empty(), Instant.now());
        if (!claims(flow)) {
            udp.put(client, new Unclaimed(now));
            return false;
        }
        Responder responder = target.responder(client);
        RawDnsFlow[] self = new RawDnsFlow[1];
        RawDnsFlow f = new RawDnsFlow(flow, true, new RawDnsFlow.Output() {
            @Override public void send(byte[] m, int n, InetSocketAddress to) {
                if (to.equals(client)) responder.send(m, n);
                else target.responder(to).send(m, n);
            }
            @Override public void close() {}
        }, UDP_IDLE_NANOS, () -> udp.remove(client, self[0]));
        self[0] = f;
        udp.put(client, f);
        if (!f.deliver(msg, length, client)) host.stats().dropped.increment();
        run(f);
        return true;
    }

    /** A TCP connection was accepted: its flow when the provider claims it, else null (the typed path). */
    RawDnsFlow tcp(Channel ch, InetSocketAddress client, InetSocketAddress listener) {
        Flow flow = new TcpFlow(host.nextFlowId(), Direction.OUTBOUND, Endpoint.of(client), ownEnd(listener),
                processOf(DnsTransport.TCP, client, listener), Optional.empty(), Optional.empty(), Instant.now());
        if (!claims(flow)) return null;
        RawDnsFlow f = new RawDnsFlow(flow, false, new RawDnsFlow.Output() {
            @Override public void send(byte[] m, int n, InetSocketAddress to) { TcpQueryHandler.write(ch, m, n); }
            @Override public void close() { ch.close(); }
        }, 0, () -> {});
        run(f);
        return f;
    }

    private boolean claims(Flow flow) {
        try {
            return handler.handleNewFlow(flow);
        } catch (RuntimeException e) {
            log.warn("handleNewFlow failed for {}: {}; the flow takes the typed path", flow.local(), e.toString());
            return false;
        }
    }

    private void run(RawDnsFlow f) {
        try {
            threads.submit(() -> {
                try {
                    handler.handleFlow(f);
                } catch (Exception e) {
                    log.warn("handleFlow failed for {} flow {}: {}", f.flow().protocol(), f.flow().local(), e.toString());
                } finally {
                    f.close();
                }
            });
        } catch (RejectedExecutionException e) {
            f.close(); // the host is stopping
        }
    }

    private ProcessInfo processOf(DnsTransport transport, InetSocketAddress client, InetSocketAddress listener) {
        ClientProcesses p = host.processes();
        return p == null ? ProcessInfo.UNKNOWN : p.of(transport, client, listener).getNow(ProcessInfo.UNKNOWN);
    }

    private static Endpoint ownEnd(InetSocketAddress listener) {
        return listener == null ? new Endpoint(InetAddress.getLoopbackAddress(), 0) : Endpoint.of(listener);
    }

    private void forgetIdle(long now) {
        udp.values().removeIf(v -> v instanceof Unclaimed u && now - u.lastSeen >= UDP_IDLE_NANOS
                || v instanceof RawDnsFlow f && f.isClosed());
        if (udp.size() >= MAX_UDP_FLOWS) udp.values().removeIf(v -> v instanceof Unclaimed);
    }

    /** Ends every claimed UDP flow (the host is stopping; TCP flows end with their connections). */
    void closeAll() {
        for (Object v : udp.values()) if (v instanceof RawDnsFlow f) f.close();
        udp.clear();
    }
}
