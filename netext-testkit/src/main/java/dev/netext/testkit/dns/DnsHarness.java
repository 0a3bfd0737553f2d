package dev.netext.testkit.dns;

import dev.netext.api.ProviderEvent;
import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.api.dns.DnsType;
import dev.netext.api.flow.Endpoint;
import dev.netext.dns.server.DnsProxyServer;
import dev.netext.dns.server.DnsServerConfig;
import dev.netext.dns.upstream.ServerSpec;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Runs a {@link DnsProxyProvider} in this JVM on the real netext DNS host, bound to loopback on an ephemeral port,
 * against {@link ScriptedUpstream}s: a provider's decisions, and the host's wire work around them (forwarding,
 * failover, cache, truncation), can be unit-tested without root, namespaces or real resolvers. A provider that
 * also implements {@link dev.netext.api.dns.DnsFlowHandler} gets its raw flows here too: {@link #query} and
 * {@link #exchangeUdp} are one UDP flow each, {@link #queryTcp(List)} one TCP flow of pipelined messages.
 *
 * <pre>{@code
 * try (var corp = ScriptedUpstream.start("corp.example").add(DnsRecord.a("db.corp.example", 60, ip("10.0.0.5")));
 *      var h = DnsHarness.builder(myProvider).group("corp", corp).start()) {
 *     assertThat(h.query("db.corp.example", DnsType.A).addresses()).containsExactly("10.0.0.5");
 * }
 * }</pre>
 */
public final class DnsHarness implements AutoCloseable {
    private final DnsProxyServer server;
    private final List<ProviderEvent.DnsQueried> events;
    private final Duration timeout;

    private DnsHarness(DnsProxyServer server, List<ProviderEvent.DnsQueried> events, Duration timeout) {
        this.server = server;
        this.events = events;
        this.timeout = timeout;
    }

    public static Builder builder(DnsProxyProvider provider) { return new Builder(provider); }

    public static final class Builder {
        private final DnsProxyProvider provider;
        private final DnsServerConfig.Builder config = DnsServerConfig.builder()
                .listen(List.of(Endpoint.parse("127.0.0.1:0"))).ioThreads(1).timeouts(500, 1500)
                .resolvConf(Path.of("/nonexistent/resolv.conf"));
        private Duration clientTimeout = Duration.ofSeconds(3);

        private Builder(DnsProxyProvider provider) { this.provider = provider; }

        /** A server group of scripted upstreams, failover in the order given. */
        public Builder group(String name, ScriptedUpstream... servers) {
            List<ServerSpec> specs = new ArrayList<>();
            for (ScriptedUpstream s : servers) specs.add(ServerSpec.parse(s.spec()));
            config.group(name, specs);
            return this;
        }

        /** A server group from server specs ({@code 127.0.0.1:5300}, {@code tcp://…}). */
        public Builder group(String name, String... specs) {
            config.group(name, Arrays.stream(specs).map(ServerSpec::parse).toList());
            return this;
        }

        /** Any other host setting (cache, timeouts, ACL, rate limit). */
        public Builder configure(Consumer<DnsServerConfig.Builder> c) { c.accept(config); return this; }

        public Builder clientTimeout(Duration d) { clientTimeout = d; return this; }

        public DnsHarness start() throws Exception {
            List<ProviderEvent.DnsQueried> events = new CopyOnWriteArrayList<>();
            DnsProxyServer s = DnsProxyServer.start(config.build(), provider, "harness",
                    e -> { if (e instanceof ProviderEvent.DnsQueried q) events.add(q); });
            return new DnsHarness(s, events, clientTimeout);
        }
    }

    public DnsProxyServer server() { return server; }

    public InetSocketAddress udpAddress() { return server.udpAddresses().getFirst(); }

    public InetSocketAddress tcpAddress() { return server.tcpAddresses().getFirst(); }

    /**
     * Every query event so far, in publication order. An event follows its answer once the querying process is
     * named; this waits (up to the client timeout) until no answered query's event is outstanding.
     */
    public List<ProviderEvent.DnsQueried> events() {
        long end = System.nanoTime() + timeout.toNanos();
        while (server.eventsWaitingForProcess() > 0 && System.nanoTime() < end)
            LockSupport.parkNanos(1_000_000);
        return List.copyOf(events);
    }

    /** A plain UDP query (no EDNS, RD set, random ID). */
    public DnsReply query(String name, DnsType type) throws IOException {
        return query(DnsCodec.QuerySpec.of(ThreadLocalRandom.current().nextInt(0x10000), name, type));
    }

    /** A UDP query; fails if no answer comes within the client timeout or its ID does not match. */
    public DnsReply query(DnsCodec.QuerySpec spec) throws IOException {
        byte[] reply = exchangeUdp(DnsCodec.query(spec), timeout);
        if (reply == null) throw new SocketTimeoutException("no UDP answer for " + spec.name() + " within " + timeout);
        DnsReply r = DnsCodec.reply(reply);
        if (r.id() != spec.id()) throw new IOException("answer ID " + r.id() + " for query ID " + spec.id());
        return r;
    }

    /** A TCP query on a fresh connection. */
    public DnsReply queryTcp(DnsCodec.QuerySpec spec) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(tcpAddress(), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            byte[] q = DnsCodec.query(spec);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeShort(q.length);
            out.write(q);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] a = in.readNBytes(in.readUnsignedShort());
            return DnsCodec.reply(a);
        }
    }

    /**
     * Several queries pipelined on one fresh TCP connection (all written before any answer is read, RFC 7766
     * §6.2.1.1), and their answers in the order they arrived: one TCP DNS flow, as a raw-flow provider sees it.
     */
    public List<DnsReply> queryTcp(List<DnsCodec.QuerySpec> specs) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(tcpAddress(), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            for (DnsCodec.QuerySpec spec : specs) {
                byte[] q = DnsCodec.query(spec);
                out.writeShort(q.length);
                out.write(q);
            }
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            List<DnsReply> replies = new ArrayList<>();
            for (int i = 0; i < specs.size(); i++) replies.add(DnsCodec.reply(in.readNBytes(in.readUnsignedShort())));
            return replies;
        }
    }

    /** Sends raw bytes over UDP and returns the raw answer, or null if none came within {@code wait}. */
    public byte[] exchangeUdp(byte[] datagram, Duration wait) throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, udpAddress().getAddress())) {
            s.setSoTimeout((int) Math.max(1, wait.toMillis()));
            s.send(new DatagramPacket(datagram, datagram.length, udpAddress()));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return Arrays.copyOf(p.getData(), p.getLength());
        }
    }

    /**
     * Sends every datagram from one socket without waiting, then collects answers until none arrives for
     * {@code quiet}: for fuzzing, where most inputs get no answer.
     */
    public List<byte[]> blastUdp(List<byte[]> datagrams, Duration quiet) throws IOException {
        List<byte[]> answers = new ArrayList<>();
        try (DatagramSocket s = new DatagramSocket(0, udpAddress().getAddress())) {
            s.setReceiveBufferSize(1 << 20);
            for (byte[] d : datagrams) s.send(new DatagramPacket(d, d.length, udpAddress()));
            s.setSoTimeout((int) Math.max(1, quiet.toMillis()));
            byte[] buf = new byte[65535];
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    return answers;
                }
                answers.add(Arrays.copyOf(p.getData(), p.getLength()));
            }
        }
    }

    @Override
    public void close() { server.close(); }
}
