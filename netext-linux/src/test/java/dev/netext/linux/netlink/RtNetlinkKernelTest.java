package dev.netext.linux.netlink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.netext.linux.netlink.RtnetlinkH.RT_TABLE_LOCAL;
import static dev.netext.linux.netlink.RtnetlinkH.RT_TABLE_MAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** RtNetlink against the real kernel, inside a throw-away namespace, checked both ways: our dumps and {@code ip -j}. */
class RtNetlinkKernelTest {
    private static final int WG_TABLE = 51820;

    private TestNamespace ns;
    private RtNetlink rt;
    private int va;
    private int vb;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(TestNamespace.available(), "kernel tests need root and ip");
        ns = TestNamespace.create();
        ns.ip("link", "add", "va", "type", "veth", "peer", "name", "vb");
        rt = ns.runInside(RtNetlink::open);
        va = rt.link("va").orElseThrow().index();
        vb = rt.link("vb").orElseThrow().index();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (rt != null) rt.close();
        if (ns != null) ns.close();
    }

    private void upWithAddresses() throws Exception {
        rt.setLinkUp(va, true);
        rt.setLinkUp(vb, true);
        rt.addAddress(va, IpPrefix.parse("10.1.0.1/24"));
        rt.addAddress(va, IpPrefix.parse("fd00:1::1/64"));
    }

    private static InetAddress ip(String s) { return IpPrefix.parseAddress(s); }

    @Test
    void linksListGetUpMtuDelete() throws Exception {
        List<Link> links = rt.links();
        assertThat(links).extracting(Link::name).contains("lo", "va", "vb");
        Link link = rt.link(va).orElseThrow();
        assertThat(link.name()).isEqualTo("va");
        assertThat(link.kind()).isEqualTo("veth");
        assertThat(link.up()).isFalse();
        assertThat(link.pointToPoint()).isFalse();
        assertThat(rt.link("lo").orElseThrow().loopback()).isTrue();
        assertThat(rt.link("nope")).isEmpty();
        assertThat(rt.link(99_999)).isEmpty();

        rt.setLinkUp(va, true);
        rt.setLinkUp(vb, true);
        rt.setMtu(va, 1400);
        Link up = rt.link("va").orElseThrow();
        assertThat(up.up()).isTrue();
        assertThat(up.running()).isTrue(); // peer up, so carrier
        assertThat(up.mtu()).isEqualTo(1400);
        assertThat(up.toString()).startsWith(va + ": va: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 veth");

        JsonNode j = ns.ipJson("link", "show", "va").get(0);
        assertThat(j.get("mtu").asInt()).isEqualTo(1400);
        assertThat(j.get("flags").toString()).contains("\"UP\"", "\"LOWER_UP\"");

        rt.setLinkUp(va, false);
        assertThat(rt.link(va).orElseThrow().up()).isFalse();
        assertThat(ns.ipJson("link", "show", "va").get(0).get("flags").toString()).doesNotContain("\"UP\"");

        rt.deleteLink(vb); // takes its peer with it
        assertThat(rt.link("va")).isEmpty();
        assertThat(ns.ipJson("link", "show").findValuesAsText("ifname")).containsExactly("lo");
    }

    @Test
    void persistentTunLinkIsPointToPointOfKindTun() throws Exception {
        ns.ip("tuntap", "add", "mode", "tun", "name", "t0");
        Link t0 = rt.link("t0").orElseThrow();
        assertThat(t0.kind()).isEqualTo("tun");
        assertThat(t0.pointToPoint()).isTrue();
        assertThat(t0.toString()).isEqualTo(t0.index() + ": t0: <POINTOPOINT,MULTICAST,NOARP> mtu 1500 tun");
        rt.deleteLink(t0.index());
        assertThat(rt.link("t0")).isEmpty();
    }

    @Test
    void kernelExplanationIsInTheException() {
        assertThatThrownBy(() -> rt.setMtu(va, 10))
                .isInstanceOf(LinuxException.class)
                .satisfies(e -> assertThat(((LinuxException) e).errno()).isEqualTo(Errno.EINVAL))
                .hasMessageContaining("RTM_NEWLINK index " + va + " mtu 10: EINVAL (Invalid argument): ")
                .hasMessageContaining("mtu");
    }

    @Test
    void addressesV4AndV6() throws Exception {
        upWithAddresses();
        List<Address> mine = rt.addresses(va);
        Address v4 = mine.stream().filter(a -> a.family() == IpFamily.V4).findFirst().orElseThrow();
        assertThat(v4.prefix()).isEqualTo(IpPrefix.parse("10.1.0.1/24"));
        assertThat(v4.label()).isEqualTo("va");
        assertThat(v4.toString()).isEqualTo("inet 10.1.0.1/24 scope global va");
        Address v6 = mine.stream().filter(a -> a.prefix().equals(IpPrefix.parse("fd00:1::1/64"))).findFirst()
                .orElseThrow();
        assertThat(v6.flags() & IfAddrH.IFA_F_NODAD).isNotZero();
        assertThat(v6.flags() & IfAddrH.IFA_F_TENTATIVE).isZero(); // usable at once
        assertThat(v6.toString()).startsWith("inet6 fd00:1::1/64 scope global");

        JsonNode info = ns.ipJson("addr", "show", "dev", "va").get(0).get("addr_info");
        assertThat(info.findValuesAsText("local")).contains("10.1.0.1", "fd00:1::1");
        assertThat(info.findValues("prefixlen")).extracting(JsonNode::asInt).contains(24, 64);

        assertThatThrownBy(() -> rt.addAddress(va, IpPrefix.parse("10.1.0.1/24")))
                .isInstanceOf(LinuxException.class)
                .satisfies(e -> assertThat(((LinuxException) e).is(Errno.EEXIST)).isTrue())
                .hasMessageContaining("RTM_NEWADDR 10.1.0.1/24 index " + va + ": EEXIST (File exists)");

        rt.deleteAddress(va, IpPrefix.parse("10.1.0.1/24"));
        rt.deleteAddress(va, IpPrefix.parse("fd00:1::1/64"));
        assertThat(rt.addresses(va)).noneMatch(a -> a.prefix().toString().startsWith("10.1.")
                || a.prefix().toString().startsWith("fd00:1:"));
        assertThat(ns.ipJson("addr", "show", "dev", "va").get(0).get("addr_info").findValuesAsText("local"))
                .doesNotContain("10.1.0.1", "fd00:1::1");
        assertThatThrownBy(() -> rt.deleteAddress(va, IpPrefix.parse("10.1.0.1/24")))
                .isInstanceOf(LinuxException.class);
    }

    @Test
    void routesInMainAndHighTable() throws Exception {
        upWithAddresses();
        Route viaGw = Route.to(IpPrefix.parse("10.2.0.0/16")).withGateway(ip("10.1.0.2")).withMetric(50);
        Route wgDefault = Route.to(IpPrefix.parse("0.0.0.0/0")).withOutputInterface(va).withTable(WG_TABLE);
        Route v6 = Route.to(IpPrefix.parse("2001:db8::/32")).withGateway(ip("fd00:1::2")).withOutputInterface(va)
                .withTable(WG_TABLE);
        Route unreachable = Route.to(IpPrefix.parse("10.9.0.0/16")).withType(Route.Type.UNREACHABLE).withTable(WG_TABLE);
        Route blackhole = Route.to(IpPrefix.parse("10.8.0.0/16")).withType(Route.Type.BLACKHOLE);
        Route thrw = Route.to(IpPrefix.parse("10.7.0.0/16")).withType(Route.Type.THROW).withTable(WG_TABLE);
        Route local = Route.to(IpPrefix.parse("10.1.0.50/32")).withType(Route.Type.LOCAL).withOutputInterface(va)
                .withTable(RT_TABLE_LOCAL);
        for (Route r : List.of(viaGw, wgDefault, v6, unreachable, blackhole, thrw, local)) rt.addRoute(r);

        List<Route> main4 = rt.routes(IpFamily.V4, RT_TABLE_MAIN);
        assertThat(main4).anySatisfy(r -> {
            assertThat(r.destination()).isEqualTo(IpPrefix.parse("10.2.0.0/16"));
            assertThat(r.gateway()).isEqualTo(ip("10.1.0.2"));
            assertThat(r.outputInterface()).isEqualTo(va);
            assertThat(r.metric()).isEqualTo(50);
            assertThat(r.toString()).isEqualTo("10.2.0.0/16 via 10.1.0.2 dev #" + va + " metric 50");
        });
        assertThat(main4).anySatisfy(r -> assertThat(r.toString()).isEqualTo("blackhole 10.8.0.0/16"));
        List<Route> wg4 = rt.routes(IpFamily.V4, WG_TABLE);
        assertThat(wg4).extracting(Route::toString).containsExactlyInAnyOrder(
                "default dev #" + va + " table 51820 scope link",
                "unreachable 10.9.0.0/16 table 51820",
                "throw 10.7.0.0/16 table 51820");
        assertThat(rt.routes(IpFamily.V6, WG_TABLE)).singleElement().satisfies(r -> {
            assertThat(r.destination()).isEqualTo(IpPrefix.parse("2001:db8::/32"));
            assertThat(r.gateway()).isEqualTo(ip("fd00:1::2"));
            assertThat(r.metric()).isEqualTo(1024); // the kernel's IPv6 default
        });
        assertThat(rt.routes(IpFamily.V4, RT_TABLE_LOCAL)).anySatisfy(r -> {
            assertThat(r.type()).isEqualTo(Route.Type.LOCAL);
            assertThat(r.destination()).isEqualTo(IpPrefix.parse("10.1.0.50/32"));
        });

        JsonNode j = ns.ipJson("route", "show", "table", "51820");
        assertThat(j.findValuesAsText("dst")).containsExactlyInAnyOrder("default", "10.9.0.0/16", "10.7.0.0/16");
        assertThat(j.findValuesAsText("type")).contains("unreachable", "throw");
        assertThat(ns.ipJson("-6", "route", "show", "table", "51820").get(0).get("gateway").asText())
                .isEqualTo("fd00:1::2");
        assertThat(ns.ipJson("route", "show", "10.2.0.0/16").get(0).get("metric").asInt()).isEqualTo(50);

        assertThatThrownBy(() -> rt.addRoute(viaGw)).isInstanceOf(LinuxException.class)
                .satisfies(e -> assertThat(((LinuxException) e).is(Errno.EEXIST)).isTrue());

        Route moved = viaGw.withGateway(ip("10.1.0.3"));
        rt.replaceRoute(moved);
        assertThat(rt.routes(IpFamily.V4, RT_TABLE_MAIN)).filteredOn(r -> r.destination().equals(viaGw.destination()))
                .singleElement().extracting(Route::gateway).isEqualTo(ip("10.1.0.3"));
        assertThat(ns.ipJson("route", "show", "10.2.0.0/16").get(0).get("gateway").asText()).isEqualTo("10.1.0.3");

        for (Route r : List.of(moved, wgDefault, v6, unreachable, blackhole, thrw, local)) rt.deleteRoute(r);
        assertThat(rt.routes(IpFamily.V4, WG_TABLE)).isEmpty();
        assertThat(rt.routes(IpFamily.V6, WG_TABLE)).isEmpty();
        assertThat(ns.ipJson("route", "show", "table", "51820")).isEmpty();
        assertThat(rt.routes(IpFamily.V4, RT_TABLE_MAIN)).extracting(Route::destination)
                .doesNotContain(viaGw.destination(), blackhole.destination());
        assertThatThrownBy(() -> rt.deleteRoute(moved)).isInstanceOf(LinuxException.class)
                .satisfies(e -> assertThat(((LinuxException) e).is(Errno.ESRCH)).isTrue());
    }

    @Test
    void wgQuickRulesBothFamilies() throws Exception {
        for (IpFamily f : IpFamily.values()) {
            List<Rule> before = rt.rules(f);
            Rule notMark = Rule.lookup(f, WG_TABLE).withFwmark(0xca6c).inverted();
            Rule suppress = Rule.lookup(f, RT_TABLE_MAIN).withSuppressPrefixLength(0);
            rt.addRule(notMark);
            rt.addRule(suppress);

            List<Rule> after = rt.rules(f);
            assertThat(after).hasSize(before.size() + 2);
            Rule gotMark = after.stream().filter(r -> r.table() == WG_TABLE).findFirst().orElseThrow();
            assertThat(gotMark.invert()).isTrue();
            assertThat(gotMark.fwmark()).isEqualTo(0xca6c);
            assertThat(gotMark.fwmask()).isEqualTo(0xFFFFFFFF);
            assertThat(gotMark.action()).isEqualTo(Rule.Action.TO_TABLE);
            assertThat(gotMark.priority()).isPositive(); // chosen by the kernel
            assertThat(gotMark.toString()).isEqualTo(gotMark.priority() + ":\tnot from all fwmark 0xca6c lookup 51820");
            Rule gotSuppress = after.stream().filter(r -> r.suppressPrefixLength() == 0).findFirst().orElseThrow();
            assertThat(gotSuppress.toString())
                    .isEqualTo(gotSuppress.priority() + ":\tfrom all lookup main suppress_prefixlength 0");

            String fam = f == IpFamily.V4 ? "-4" : "-6";
            JsonNode j = ns.ipJson(fam, "rule", "show");
            JsonNode wg = findRule(j, "51820");
            assertThat(wg.has("not")).isTrue();
            assertThat(wg.get("fwmark").asText()).isEqualTo("0xca6c");
            assertThat(wg.get("priority").asInt()).isEqualTo(gotMark.priority());
            assertThat(findRule(j, "main").toString()).contains("\"suppress_prefixlen\":0");

            // without a priority the kernel picks a new one, so only a same-priority duplicate is EEXIST
            assertThatThrownBy(() -> rt.addRule(notMark.withPriority(gotMark.priority())))
                    .isInstanceOf(LinuxException.class)
                    .satisfies(e -> assertThat(((LinuxException) e).is(Errno.EEXIST)).isTrue());

            rt.deleteRule(notMark);
            rt.deleteRule(suppress);
            assertThat(rt.rules(f)).isEqualTo(before);
            assertThat(ns.ipJson(fam, "rule", "show")).hasSize(before.size());
        }
    }

    @Test
    void ruleWithPriorityFromGotoAndBlackhole() throws Exception {
        Rule from = Rule.lookup(IpFamily.V4, 100).withPriority(1000).withFrom(IpPrefix.parse("10.5.0.0/16"))
                .withIif("va").withFwmark(0x10, 0xf0);
        Rule jump = Rule.goTo(IpFamily.V4, 1000).withPriority(900);
        Rule drop = Rule.of(IpFamily.V6, Rule.Action.BLACKHOLE).withPriority(1100)
                .withTo(IpPrefix.parse("2001:db8::/32"));
        rt.addRule(from);
        rt.addRule(jump);
        rt.addRule(drop);
        assertThat(rt.rules(IpFamily.V4)).contains(from, jump);
        assertThat(rt.rules(IpFamily.V6)).contains(drop);
        assertThat(from.toString()).isEqualTo("1000:\tfrom 10.5.0.0/16 fwmark 0x10/0xf0 iif va lookup 100");
        assertThat(jump.toString()).isEqualTo("900:\tfrom all goto 1000");
        assertThat(drop.toString()).isEqualTo("1100:\tfrom all to 2001:db8::/32 blackhole");
        JsonNode j = ns.ipJson("-6", "rule", "show");
        assertThat(j.toString()).contains("\"action\":\"blackhole\"", "\"dst\":\"2001:db8::\"");
        rt.deleteRule(jump);
        rt.deleteRule(from);
        rt.deleteRule(drop);
        assertThatThrownBy(() -> rt.deleteRule(drop)).isInstanceOf(LinuxException.class)
                .satisfies(e -> assertThat(((LinuxException) e).is(Errno.ENOENT)).isTrue());
    }

    @Test
    void concurrentCallersShareOneSocket() throws Exception {
        upWithAddresses();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Callable<Integer> c = () -> {
                    int n = 0;
                    for (int i = 0; i < 50; i++) {
                        n += rt.links().size() + rt.rules(IpFamily.V4).size();
                        assertThat(rt.addresses()).isNotEmpty(); // count varies: link-local addresses come and go
                    }
                    return n;
                };
                results.add(pool.submit(c));
            }
            int expected = 50 * (rt.links().size() + rt.rules(IpFamily.V4).size());
            for (Future<Integer> f : results) assertThat(f.get()).isEqualTo(expected);
        } finally {
            pool.shutdownNow();
        }
    }

    private static JsonNode findRule(JsonNode rules, String table) {
        for (JsonNode r : rules) if (table.equals(r.path("table").asText())) return r;
        throw new AssertionError("no rule for table " + table + " in " + rules);
    }
}
