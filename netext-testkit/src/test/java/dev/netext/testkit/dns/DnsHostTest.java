package dev.netext.testkit.dns;

import dev.netext.api.ProviderEvent;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsProxyContext;
import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.dns.DnsRecord;
import dev.netext.api.dns.DnsType;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.DnsSettings;
import dev.netext.api.tunnel.StopReason;
import dev.netext.dns.split.SplitDnsProvider;
import dev.netext.dns.split.SplitRule;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The DNS host with the built-in split provider and scripted upstreams, end to end over loopback sockets. */
class DnsHostTest {
    ScriptedUpstream corp;
    ScriptedUpstream pub;

    static Inet4Address ip(String s) { return (Inet4Address) IpPrefix.parseAddress(s); }

    @BeforeEach
    void upstreams() throws Exception {
        corp = ScriptedUpstream.start("foo.mycompany.com")
                .add(DnsRecord.a("db.foo.mycompany.com", 300, ip("10.0.0.5")))
                .add(DnsRecord.a("x.deep.foo.mycompany.com", 300, ip("10.0.0.6")))
                .add(DnsRecord.txtSplitting("big.foo.mycompany.com", 300, "k".repeat(1500)));
        pub = ScriptedUpstream.start("example")
                .add(DnsRecord.a("www.example", 300, ip("192.0.2.10")))
                .add(DnsRecord.a("x.deep.foo.mycompany.com", 300, ip("192.0.2.66")));
    }

    @AfterEach
    void stop() {
        corp.close();
        pub.close();
    }

    private DnsHarness harness(List<SplitRule> rules, java.util.function.Consumer<dev.netext.dns.server.DnsServerConfig.Builder> more) throws Exception {
        return DnsHarness.builder(new SplitDnsProvider(rules, "public")).group("corp", corp).group("public", pub).configure(more).start();
    }

    private DnsHarness harness(List<SplitRule> rules) throws Exception { return harness(rules, b -> {}); }

    static SplitRule route(String domain, String group) { return new SplitRule(domain, DnsDecision.forward(group), "test"); }

    @Test
    void splitsByLongestSuffixAndBlocks() throws Exception {
        var rules = List.of(route("foo.mycompany.com", "corp"), route("deep.foo.mycompany.com", "public"),
                new SplitRule("ads.test", DnsDecision.nxdomain(), "test"),
                new SplitRule("refuse.test", DnsDecision.refused(), "test"),
                new SplitRule("sink.test", DnsDecision.sinkhole(InetAddress.getByName("0.0.0.0")), "test"));
        try (var h = harness(rules)) {
            assertThat(h.query("db.foo.mycompany.com", DnsType.A).addresses()).containsExactly("10.0.0.5");
            assertThat(h.query("www.example", DnsType.A).addresses()).containsExactly("192.0.2.10");
            // the longer rule wins: public answers, though corp also has the name
            assertThat(h.query("x.deep.foo.mycompany.com", DnsType.A).addresses()).containsExactly("192.0.2.66");
            assertThat(h.query("tracker.ads.test", DnsType.A).rcode()).isEqualTo(DnsReply.NXDOMAIN);
            assertThat(h.query("ads.test", DnsType.AAAA).rcode()).isEqualTo(DnsReply.NXDOMAIN);
            assertThat(h.query("a.refuse.test", DnsType.A).rcode()).isEqualTo(DnsReply.REFUSED);
            DnsReply sink = h.query("x.sink.test", DnsType.A);
            assertThat(sink.addresses()).containsExactly("0.0.0.0");
            assertThat(h.query("x.sink.test", DnsType.AAAA).answers()).isEmpty();
            // label boundaries: xfoo.mycompany.com is not within foo.mycompany.com
            h.query("xfoo.mycompany.com", DnsType.A);
            assertThat(corp.seen()).extracting(ScriptedUpstream.Seen::name).doesNotContain("xfoo.mycompany.com", "www.example");
            assertThat(pub.seen()).extracting(ScriptedUpstream.Seen::name).contains("xfoo.mycompany.com").doesNotContain("db.foo.mycompany.com");

            List<ProviderEvent.DnsQueried> ev = h.events();
            assertThat(ev).anySatisfy(e -> {
                assertThat(e.query().name()).isEqualTo("db.foo.mycompany.com");
                assertThat(e.rule()).isEqualTo("foo.mycompany.com→corp");
                assertThat(e.server()).isEqualTo("udp://" + corp.spec());
                assertThat(e.cacheHit()).isFalse();
                assertThat(e.rcode()).isZero();
                assertThat(e.answerCount()).isEqualTo(1);
            });
            assertThat(ev).anySatisfy(e -> {
                assertThat(e.query().name()).isEqualTo("tracker.ads.test");
                assertThat(e.decision()).isInstanceOf(DnsDecision.Block.class);
                assertThat(e.rcode()).isEqualTo(3);
            });
        }
    }

    @Test
    void largeAnswersAreTruncatedOverUdpAndWholeOverTcp() throws Exception {
        try (var h = harness(List.of(route("foo.mycompany.com", "corp")))) {
            var spec = DnsCodec.QuerySpec.of(4242, "big.foo.mycompany.com", DnsType.TXT);
            DnsReply udp = h.query(spec);
            assertThat(udp.truncated()).isTrue();
            assertThat(udp.answers()).isEmpty();
            assertThat(udp.size()).isLessThanOrEqualTo(512);
            // upstream side: its UDP answer was truncated too, so netext asked again over TCP
            assertThat(corp.seen()).extracting(ScriptedUpstream.Seen::tcp).containsExactly(false, true);
            DnsReply tcp = h.queryTcp(spec);
            assertThat(tcp.truncated()).isFalse();
            assertThat(tcp.txt()).isEqualTo("k".repeat(1500));
            // an EDNS client with room for it gets it whole over UDP
            DnsReply edns = h.query(spec.withEdns(4096, false));
            assertThat(edns.truncated()).isFalse();
            assertThat(edns.txt()).hasSize(1500);
            assertThat(edns.ednsUdpSize()).isPresent();
        }
    }

    @Test
    void cachesWithCountingDownTtlsAndNegativeAnswers() throws Exception {
        try (var h = harness(List.of(route("foo.mycompany.com", "corp")))) {
            DnsReply first = h.query("db.foo.mycompany.com", DnsType.A);
            assertThat(first.answers().getFirst().ttl()).isEqualTo(300);
            Thread.sleep(1100);
            DnsReply second = h.query("DB.Foo.MyCompany.com", DnsType.A);
            assertThat(second.addresses()).containsExactly("10.0.0.5");
            assertThat(second.questionName()).isEqualTo("DB.Foo.MyCompany.com"); // the client's case, not the cache's
            assertThat(second.answers().getFirst().ttl()).isBetween(290L, 299L);
            assertThat(corp.seen()).hasSize(1);
            assertThat(h.events().getLast().cacheHit()).isTrue();

            corp.negativeTtl(60);
            assertThat(h.query("missing.foo.mycompany.com", DnsType.A).rcode()).isEqualTo(DnsReply.NXDOMAIN);
            DnsReply again = h.query("missing.foo.mycompany.com", DnsType.A);
            assertThat(again.rcode()).isEqualTo(DnsReply.NXDOMAIN);
            assertThat(again.authorities()).hasSize(1);
            assertThat(corp.seen()).hasSize(2);
        }
    }

    @Test
    void neverCachesFailures() throws Exception {
        corp.rcode(DnsReply.SERVFAIL);
        try (var h = harness(List.of(route("foo.mycompany.com", "corp")))) {
            assertThat(h.query("db.foo.mycompany.com", DnsType.A).rcode()).isEqualTo(DnsReply.SERVFAIL);
            corp.rcode(-1);
            assertThat(h.query("db.foo.mycompany.com", DnsType.A).addresses()).containsExactly("10.0.0.5");
        }
    }

    @Test
    void failsOverInOrderAndAnswersServfailWhenAllFail() throws Exception {
        ScriptedUpstream dead = ScriptedUpstream.start("foo.mycompany.com");
        String deadSpec = dead.spec();
        dead.close(); // killed: port unreachable
        ScriptedUpstream mute = ScriptedUpstream.start("foo.mycompany.com").silent(true);
        try (var h = DnsHarness.builder(new SplitDnsProvider(List.of(route("foo.mycompany.com", "corp")), "public"))
                .group("corp", deadSpec, corp.spec()).group("public", mute.spec()).start()) {
            assertThat(h.query("db.foo.mycompany.com", DnsType.A).addresses()).containsExactly("10.0.0.5");
            long t0 = System.nanoTime();
            assertThat(h.query("www.example", DnsType.A).rcode()).isEqualTo(DnsReply.SERVFAIL);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2500)); // query timeout 1.5 s
            assertThat(mute.seen()).hasSizeBetween(1, 3); // bounded retries
        } finally {
            mute.close();
        }
    }

    @Test
    void upstreamQueriesUseFreshIdsAndPortsAndIgnoreSpoofs() throws Exception {
        corp.spoofFirst(true);
        try (var h = harness(List.of(route("foo.mycompany.com", "corp")), b -> b.cacheEntries(0))) {
            Set<Integer> ids = new HashSet<>();
            Set<Integer> ports = new HashSet<>();
            for (int i = 0; i < 30; i++) {
                DnsReply r = h.query(DnsCodec.QuerySpec.of(7, "db.foo.mycompany.com", DnsType.A));
                assertThat(r.addresses()).containsExactly("10.0.0.5");
            }
            for (var s : corp.seen()) { ids.add(s.id()); ports.add(s.sourcePort()); }
            assertThat(ids).hasSizeGreaterThan(25);   // the client always used ID 7
            assertThat(ports).hasSizeGreaterThan(2);
        }
    }

    @Test
    void passesEdnsAndDoButClearsAdUnlessTrustedAndStripsClientSubnet() throws Exception {
        corp.authenticData(true);
        pub.authenticData(true);
        try (var h = harness(List.of(route("foo.mycompany.com", "corp")), b -> b.trustedGroups(Set.of("public")))) {
            DnsReply r = h.query(DnsCodec.QuerySpec.of(1, "db.foo.mycompany.com", DnsType.A).withEdns(1232, true));
            assertThat(r.authenticData()).isFalse();
            assertThat(corp.seen().getLast().dnssecOk()).isTrue();
            assertThat(corp.seen().getLast().ednsUdpSize()).isEqualTo(1232);
            DnsReply trusted = h.query(DnsCodec.QuerySpec.of(2, "www.example", DnsType.A).withEdns(1232, true));
            assertThat(trusted.authenticData()).isTrue();
            h.query(DnsCodec.QuerySpec.of(3, "db.foo.mycompany.com", DnsType.AAAA).withClientSubnet(new byte[] {10, 1, 2, 0}));
            assertThat(corp.seen().getLast().hasClientSubnet()).isFalse();
            assertThat(corp.seen().getLast().ednsUdpSize()).isGreaterThan(0);
        }
    }

    @Test
    void tcpUpstreamConnectionIsReusedAndPipelined() throws Exception {
        try (var h = DnsHarness.builder(new SplitDnsProvider(List.of(), "corp")).group("corp", "tcp://" + corp.spec())
                .configure(b -> b.cacheEntries(0)).start()) {
            for (int i = 0; i < 20; i++) assertThat(h.query("db.foo.mycompany.com", DnsType.A).addresses()).containsExactly("10.0.0.5");
            // 20, or a few more if a loaded machine made an attempt time out and the host asked again on the same connection
            assertThat(corp.seen()).hasSizeBetween(20, 25).allMatch(ScriptedUpstream.Seen::tcp);
            assertThat(corp.tcpConnectionsAccepted()).isEqualTo(1);
        }
    }

    @Test
    void tunnelDnsSettingsBecomeRulesWhileUp() throws Exception {
        try (var h = harness(List.of())) {
            assertThat(h.query("db.foo.mycompany.com", DnsType.A).rcode()).isEqualTo(DnsReply.NXDOMAIN); // public has no such name
            var settings = new DnsSettings(List.of(InetAddress.getLoopbackAddress()), List.of(), List.of("foo.mycompany.com"));
            // tunnel DNS servers listen on port 53; the harness's scripted corp does not, so point the group at it
            h.server().tunnelUp("wg0", settings);
            h.server().addServerGroup("tunnel:wg0", List.of(dev.netext.dns.upstream.ServerSpec.parse(corp.spec())), false);
            assertThat(h.query("db.foo.mycompany.com", DnsType.A).addresses()).containsExactly("10.0.0.5");
            h.server().tunnelDown("wg0");
            assertThat(h.query("db.foo.mycompany.com", DnsType.A).rcode()).isEqualTo(DnsReply.NXDOMAIN);
            assertThat(h.server().groupNames()).doesNotContain("tunnel:wg0");
        }
    }

    @Test
    void answersFeedTheAddressToNameMap() throws Exception {
        try (var h = harness(List.of(route("foo.mycompany.com", "corp")))) {
            h.query("db.foo.mycompany.com", DnsType.A);
            assertThat(h.server().addressNames().namesFor(InetAddress.getByName("10.0.0.5"))).containsExactly("db.foo.mycompany.com");
            assertThat(h.server().addressNames().namesFor(InetAddress.getByName("10.0.0.99"))).isEmpty();
        }
    }

    @Test
    void malformedInputGetsFormerrOrSilenceAndNeverStopsTheServer() throws Exception {
        try (var h = harness(List.of(route("foo.mycompany.com", "corp")))) {
            byte[] valid = DnsCodec.query(DnsCodec.QuerySpec.of(99, "db.foo.mycompany.com", DnsType.A).withEdns(1232, false));
            Random rnd = new Random(20261128);
            List<byte[]> inputs = new java.util.ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                byte[] m = i % 3 == 0 ? new byte[rnd.nextInt(40)] : valid.clone();
                if (i % 3 == 0) rnd.nextBytes(m);
                else for (int k = 0; k < 1 + rnd.nextInt(4); k++) m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
                if (i % 7 == 0) m = java.util.Arrays.copyOf(m, rnd.nextInt(m.length + 1));
                inputs.add(m);
            }
            int formerr = 0;
            for (byte[] a : h.blastUdp(inputs, Duration.ofMillis(1500))) {
                assertThat(a.length).isGreaterThanOrEqualTo(12);
                assertThat(a[2] & 0x80).isNotZero(); // QR: a response, never an input reflected
                if ((a[3] & 0x0F) == 1) formerr++;
            }
            assertThat(formerr).isPositive();
            // the header alone, a response, and a question running off the end
            assertThat(h.exchangeUdp(new byte[11], Duration.ofMillis(100))).isNull();
            byte[] resp = valid.clone();
            resp[2] |= (byte) 0x80;
            assertThat(h.exchangeUdp(resp, Duration.ofMillis(100))).isNull();
            byte[] cut = java.util.Arrays.copyOf(valid, 20);
            assertThat(DnsCodec.reply(h.exchangeUdp(cut, Duration.ofMillis(500))).rcode()).isEqualTo(DnsReply.FORMERR);
            assertThat(h.query("db.foo.mycompany.com", DnsType.A).addresses()).containsExactly("10.0.0.5");
            assertThat(h.server().stats().formErr()).isPositive();
        }
    }

    /** A provider that may block: decided on a virtual thread, with records of its own and the default path. */
    static final class PolicyProvider implements DnsProxyProvider {
        @Override public void startProxy(DnsProxyContext context, Map<String, Object> options) {}
        @Override public void stopProxy(StopReason reason) {}
        @Override public DnsDecision handleQuery(DnsQuery q) throws Exception {
            Thread.sleep(5); // consult a policy server
            if (q.isWithin("local.test")) return DnsDecision.answer(DnsRecord.a(q.name(), 30, ip("10.9.9.9")));
            if (q.isWithin("boom.test")) throw new IllegalStateException("provider bug");
            return DnsDecision.defaultResolution();
        }
    }

    @Test
    void typedProviderThatBlocksDecidesOnItsOwnThreads() throws Exception {
        try (var h = DnsHarness.builder(new PolicyProvider()).group("system", pub).configure(b -> b.defaultGroup("system")).start()) {
            DnsReply own = h.query("a.local.test", DnsType.A);
            assertThat(own.addresses()).containsExactly("10.9.9.9");
            assertThat(own.answers().getFirst().ttl()).isEqualTo(30);
            assertThat(h.query("www.example", DnsType.A).addresses()).containsExactly("192.0.2.10");
            assertThat(h.query("x.boom.test", DnsType.A).rcode()).isEqualTo(DnsReply.SERVFAIL);
        }
    }
}
