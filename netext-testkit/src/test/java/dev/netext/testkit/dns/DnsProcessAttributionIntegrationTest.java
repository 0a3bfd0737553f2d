package dev.netext.testkit.dns;

import dev.netext.api.ProviderEvent;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsProxyContext;
import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.dns.DnsRecord;
import dev.netext.api.dns.DnsTransport;
import dev.netext.api.dns.DnsType;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.StopReason;
import dev.netext.dns.split.SplitDnsProvider;
import dev.netext.dns.split.SplitRule;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Arrays;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every query event names the querying process, and a typed provider's {@link DnsQuery#process()} is that process:
 * the host runs in a lab namespace, real {@code dig} and {@code kdig} processes ask it over UDP and TCP, and the
 * events must carry their pid, executable and uid. The split-DNS case forwards to a real dnsmasq in the same
 * namespace: a forwarded answer and cache hits over UDP and TCP name their (long-lived) client, and one-shot
 * {@code dig}s and {@code kdig}s — which exit as soon as they have their answer — are each named by their exact pid,
 * forwarded and cached, UDP and TCP, because a new socket's first answer is held until it is named. Under
 * {@code intercept: true} a {@code dig} asking a hard-coded resolver address, redirected here, is named too.
 */
class DnsProcessAttributionIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Path DIG = Path.of("/usr/bin/dig");
    private static final Path KDIG = Path.of("/usr/bin/kdig");
    /** Consecutive one-shot digs that must all be named, cached and forwarded each. */
    private static final int ONE_SHOTS = 20;

    /** A typed provider that blocks (so the host gives it its own thread) and records what it was asked. */
    static final class RecordingProvider implements DnsProxyProvider {
        final List<DnsQuery> queries = new CopyOnWriteArrayList<>();

        @Override public void startProxy(DnsProxyContext context, Map<String, Object> options) {}
        @Override public void stopProxy(StopReason reason) {}

        @Override
        public DnsDecision handleQuery(DnsQuery query) {
            queries.add(query);
            return DnsDecision.answer(DnsRecord.a(query.name(), 30, (Inet4Address) IpPrefix.parseAddress("10.9.9.9")));
        }
    }

    @NetnsTest
    void typedProviderAndEventsSeeDigAndKdig(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("attr");
        RecordingProvider provider = new RecordingProvider();
        try (DnsHarness h = ns.runInside(() -> DnsHarness.builder(provider).start())) {
            int port = h.udpAddress().getPort();
            Process dig = ns.exec("dig", "@127.0.0.1", "-p", Integer.toString(port), "+time=3", "+tries=1", "+short", "who.test");
            assertThat(output(dig)).isEqualTo("10.9.9.9");
            Process kdig = ns.exec("kdig", "@127.0.0.1", "-p", Integer.toString(port), "+tcp", "+short", "tcp.who.test");
            assertThat(output(kdig)).isEqualTo("10.9.9.9");

            DnsQuery asked = provider.queries.stream().filter(q -> q.name().equals("who.test")).findFirst().orElseThrow();
            assertThat(asked.transport()).isEqualTo(DnsTransport.UDP);
            assertIsProcess(asked.process(), dig, DIG);
            DnsQuery askedTcp = provider.queries.stream().filter(q -> q.name().equals("tcp.who.test")).findFirst().orElseThrow();
            assertThat(askedTcp.transport()).isEqualTo(DnsTransport.TCP);
            assertIsProcess(askedTcp.process(), kdig, KDIG);

            assertIsProcess(awaitEvent(h, e -> e.query().name().equals("who.test")).query().process(), dig, DIG);
            assertIsProcess(awaitEvent(h, e -> e.query().name().equals("tcp.who.test")).query().process(), kdig, KDIG);
        }
    }

    @NetnsTest
    void splitDnsEventsNameTheClientOnForwardedAndCachedAnswers(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("attrsplit");
        ns.exec("dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
                "--listen-address=127.0.0.1", "--port=5300", "--user=root", "--pid-file=", "--local-ttl=60",
                "--host-record=db.corp.test,10.1.2.4", "--address=/any.corp.test/10.1.2.5");
        awaitServing(ns, "5300");
        var provider = new SplitDnsProvider(List.of(new SplitRule("corp.test", DnsDecision.forward("corp"), "test")), "corp");
        try (DnsHarness h = ns.runInside(() -> DnsHarness.builder(provider).group("corp", "127.0.0.1:5300").start())) {
            String port = Integer.toString(h.udpAddress().getPort());
            // a client that keeps its sockets while it looks (this JVM, sockets opened inside the namespace): the
            // forwarded answer and the cache hits over UDP and TCP all name it
            InetAddress lo = InetAddress.getByName("127.0.0.1");
            try (DatagramSocket udp = ns.runInside(() -> new DatagramSocket(0, lo));
                 Socket tcp = ns.runInside(() -> new Socket(lo, h.tcpAddress().getPort()))) {
                udp.setSoTimeout(3000);
                tcp.setSoTimeout(3000);
                byte[] query = DnsCodec.query(DnsCodec.QuerySpec.of(7, "db.corp.test", DnsType.A));
                for (int i = 0; i < 2; i++) {
                    udp.send(new DatagramPacket(query, query.length, h.udpAddress()));
                    DatagramPacket answer = new DatagramPacket(new byte[512], 512);
                    udp.receive(answer);
                    assertThat(DnsCodec.reply(Arrays.copyOf(answer.getData(), answer.getLength())).addresses()).containsExactly("10.1.2.4");
                }
                DataOutputStream out = new DataOutputStream(tcp.getOutputStream());
                DataInputStream in = new DataInputStream(tcp.getInputStream());
                out.writeShort(query.length);
                out.write(query);
                out.flush();
                assertThat(DnsCodec.reply(in.readNBytes(in.readUnsignedShort())).addresses()).containsExactly("10.1.2.4");

                // at most the first answer of each new socket waited for its process; the repeat never does
                assertThat(h.server().stats().heldForProcess()).isLessThanOrEqualTo(2);
                List<ProviderEvent.DnsQueried> ours = h.events();
                assertThat(ours).extracting(ProviderEvent.DnsQueried::cacheHit).containsExactly(false, true, true);
                assertThat(ours).extracting(e -> e.query().transport()).containsExactly(DnsTransport.UDP, DnsTransport.UDP, DnsTransport.TCP);
                for (var e : ours) {
                    assertThat(e.query().process().pid()).as(e.toString()).hasValue((int) ProcessHandle.current().pid());
                    assertThat(e.query().process().executable()).isEqualTo(ProcessHandle.current().info().command().map(Path::of));
                }
            }

            // one-shot clients close their socket and exit right after the answer: each must still be named exactly
            // (a new socket's first answer waits for its process), answered from the cache and forwarded alike
            // dig asks with EDNS, which the cache tells apart from the plain queries above: the first is forwarded
            assertOneShotNamed(ns, h, DIG, "10.1.2.4", "dig", "@127.0.0.1", "-p", port, "+time=3", "+tries=1", "+short", "db.corp.test");
            for (int i = 0; i < ONE_SHOTS; i++) {
                assertOneShotNamed(ns, h, DIG, "10.1.2.4", "dig", "@127.0.0.1", "-p", port, "+time=3", "+tries=1", "+short", "db.corp.test");
                assertThat(h.events().getLast().cacheHit()).isTrue();
            }
            for (int i = 0; i < ONE_SHOTS; i++) {
                assertOneShotNamed(ns, h, DIG, "10.1.2.5", "dig", "@127.0.0.1", "-p", port, "+time=3", "+tries=1", "+short", "n" + i + ".any.corp.test");
                assertThat(h.events().getLast().cacheHit()).isFalse();
            }
            for (String transport : new String[] {"+notcp", "+tcp"}) {
                for (int i = 0; i < 5; i++) {
                    assertOneShotNamed(ns, h, KDIG, "10.1.2.4", "kdig", "@127.0.0.1", "-p", port, transport, "+short", "db.corp.test");
                    assertOneShotNamed(ns, h, KDIG, "10.1.2.5", "kdig", "@127.0.0.1", "-p", port, transport, "+short", "k" + transport.substring(1) + i + ".any.corp.test");
                }
            }
            var stats = h.server().stats();
            System.out.printf("one-shot clients: %d first answers held, %d released by the bound, mean hold %.2f ms%n",
                    stats.heldForProcess(), stats.holdExpired(), stats.heldNanos() / 1e6 / Math.max(1, stats.heldForProcess()));
            // answers that waited for their client to be named (the others found it named already)
            assertThat(stats.heldForProcess()).isPositive();
        }
    }

    @NetnsTest
    void interceptedDigOfAHardCodedResolverIsNamed(NetnsLab lab, @TempDir Path ledger) throws Exception {
        NetworkNamespace ns = lab.namespace("attrint");
        // a resolver address reachable only through the redirect: nothing listens there
        lab.namespace("attrnodns");
        lab.veth("attrint", "to-nodns", "10.99.0.2/24", "attrnodns", "nodns0", "10.99.0.1/24");
        var provider = new SplitDnsProvider(List.of(new SplitRule("blocked.test", DnsDecision.nxdomain(), "test")), "none");
        DnsHarness h = ns.runInside(() -> DnsHarness.builder(provider).group("none", "127.0.0.1:9")
                .configure(c -> c.intercept(true).ledgerDir(ledger)).start());
        try {
            assertThat(ns.run(Duration.ofSeconds(5), "nft", "list", "tables").output()).contains("netext-dns");
            for (String transport : new String[] {"+notcp", "+tcp"}) {
                for (int i = 0; i < 3; i++) {
                    String out = assertOneShotNamed(ns, h, DIG, null, "dig", "@10.99.0.1", "+time=3", "+tries=1", transport, "x" + i + ".blocked.test");
                    assertThat(out).contains("status: NXDOMAIN");
                    var e = h.events().getLast();
                    assertThat(e.query().client().address().getHostAddress()).isEqualTo("10.99.0.2");
                    assertThat(e.query().transport()).isEqualTo(transport.equals("+tcp") ? DnsTransport.TCP : DnsTransport.UDP);
                }
            }
        } finally {
            // the interception's nft table lives in the namespace: remove it from there
            ns.runInside(h::close);
        }
        assertThat(ns.run(Duration.ofSeconds(5), "nft", "list", "tables").output()).doesNotContain("netext-dns");
    }

    /**
     * Runs a one-shot client through {@code sh -c 'echo $$; exec …'} (its first line is its pid), waits for it,
     * checks its answer ({@code expected}, when not null, is the whole of it) and that the newest query event names
     * exactly that process; returns its output after the pid line.
     */
    private static String assertOneShotNamed(NetworkNamespace ns, DnsHarness h, Path exe, String expected, String... cmd)
            throws Exception {
        int before = h.events().size();
        StringBuilder script = new StringBuilder("echo $$; exec");
        for (String c : cmd) script.append(" '").append(c).append('\'');
        Process p = ns.exec("sh", "-c", script.toString());
        String out = output(p);
        int newline = out.indexOf('\n');
        int pid = Integer.parseInt(newline < 0 ? out : out.substring(0, newline));
        String answer = newline < 0 ? "" : out.substring(newline + 1).strip();
        if (expected != null) assertThat(answer).as("answer of %s", String.join(" ", cmd)).isEqualTo(expected);
        var e = awaitEvent(h, ev -> ev.sequence() > before);
        assertThat(h.events()).as("one event per one-shot client").hasSize(before + 1);
        ProcessInfo named = e.query().process();
        var st = h.server().stats();
        assertThat(named.pid()).as("pid of %s (%s; %s; held %d, expired %d, %d ns)", String.join(" ", cmd), e, named,
                st.heldForProcess(), st.holdExpired(), st.heldNanos()).hasValue(pid);
        assertThat(named.executable()).as("executable").contains(exe);
        assertThat(named.uid()).as("uid").hasValue(0L);
        return answer;
    }

    private static void assertIsProcess(ProcessInfo p, Process launched, Path exe) {
        // `ip netns exec` execs the command in place: the pid we started is the client's
        assertThat(p.pid()).as("pid of %s", exe).hasValue((int) launched.pid());
        assertThat(p.executable()).as("executable").contains(exe);
        assertThat(p.uid()).as("uid").hasValue(0L);
    }

    private static String output(Process p) throws Exception {
        assertThat(p.waitFor(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes()).strip();
    }

    private static ProviderEvent.DnsQueried awaitEvent(DnsHarness h, Predicate<ProviderEvent.DnsQueried> p) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            var found = h.events().stream().filter(p).findFirst();
            if (found.isPresent()) return found.get();
            Thread.sleep(20);
        }
        throw new AssertionError("no such event among " + h.events());
    }

    private static void awaitServing(NetworkNamespace ns, String port) throws Exception {
        for (int i = 0; i < 50; i++) {
            ExecResult r = ns.run(Duration.ofSeconds(5), "dig", "@127.0.0.1", "-p", port, "+time=1", "+tries=1", "probe.invalid");
            if (r.output().contains("status")) return;
            Thread.sleep(100);
        }
        throw new IllegalStateException("dnsmasq did not start serving on port " + port);
    }
}
