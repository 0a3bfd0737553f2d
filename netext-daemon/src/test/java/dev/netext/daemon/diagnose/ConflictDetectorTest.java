package dev.netext.daemon.diagnose;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.Rule;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import static dev.netext.daemon.diagnose.Snap.only;
import static org.assertj.core.api.Assertions.assertThat;

class ConflictDetectorTest {
    private static final int MAIN = 254;

    /** A namespace with a LAN link and a default route through it, so only what a test adds can conflict. */
    private static Snap base() throws Exception {
        return new Snap().link(1, "lo", null, true, "127.0.0.1/8").link(2, "eth0", "veth", true, "192.168.1.2/24")
                .route("192.168.1.0/24", 2, MAIN)
                .route(Route.to(IpPrefix.parse("0.0.0.0/0")).withGateway(InetAddress.getByName("192.168.1.1")).withOutputInterface(2))
                .route(Route.to(IpPrefix.parse("::/0")).withGateway(InetAddress.getByName("fd00::1")).withOutputInterface(2));
    }

    @Test
    void aCleanNamespaceHasNoConflicts() throws Exception {
        assertThat(base().tun(5, "netext0", "10.7.0.1/24").route("10.7.0.0/24", 5, MAIN).detect()).isEmpty();
    }

    @Nested
    class RouteOverlap {
        @Test
        void nestedPrefixesOfTwoTunsInOneTableAreAnErrorNamingBothDevicesAndRoutes() throws Exception {
            List<Conflict> cs = base().tun(5, "tunf", "10.7.0.1/24").tun(6, "netext0", "10.7.0.129/25")
                    .route("10.7.0.0/24", 5, MAIN).route("10.7.0.0/25", 6, MAIN).detect();
            assertThat(only(cs, Conflict.ROUTE_OVERLAP)).singleElement().satisfies(c -> {
                assertThat(c.severity()).isEqualTo(Severity.ERROR);
                assertThat(c.message()).contains("tunf", "netext0", "10.7.0.0/24", "10.7.0.0/25", "table main")
                        .contains("traffic to 10.7.0.0/25 goes to netext0, not tunf");
                assertThat(c.subjects()).containsExactlyInAnyOrder("tunf", "netext0", "10.7.0.0/24", "10.7.0.0/25");
            });
            assertThat(cs.getFirst().code()).as("errors come first").isEqualTo(Conflict.ROUTE_OVERLAP);
        }

        @Test
        void identicalIpv6PrefixesOfTwoTunsAreAnError() throws Exception {
            List<Conflict> cs = base().tun(5, "tun0", "fd00:7::1/64").tun(6, "tun1", "fd00:7::2/64")
                    .route(Route.to(IpPrefix.parse("fd00:7::/64")).withOutputInterface(5).withMetric(256))
                    .route(Route.to(IpPrefix.parse("fd00:7::/64")).withOutputInterface(6).withMetric(1024))
                    .route(Route.to(IpPrefix.parse("fe80::/64")).withOutputInterface(5).withMetric(256))
                    .route(Route.to(IpPrefix.parse("fe80::/64")).withOutputInterface(6).withMetric(256))
                    .detect();
            assertThat(only(cs, Conflict.ROUTE_OVERLAP)).as("link-local routes are no conflict").singleElement().satisfies(c -> {
                assertThat(c.severity()).isEqualTo(Severity.ERROR);
                assertThat(c.message()).contains("fd00:7::/64 dev tun0", "the same prefix as", "fd00:7::/64 dev tun1",
                        "goes to tun0, not tun1");
            });
        }

        @Test
        void identicalPrefixesWithEqualMetricsLeaveTheWinnerToTheKernel() throws Exception {
            List<Conflict> cs = base().tun(5, "tun0", "10.8.0.1/24").tun(6, "tun1", "10.8.0.2/24")
                    .route("10.8.0.0/24", 5, MAIN).route("10.8.0.0/24", 6, MAIN).detect();
            assertThat(only(cs, Conflict.ROUTE_OVERLAP)).singleElement()
                    .satisfies(c -> assertThat(c.message()).contains("up to the kernel"));
        }

        @Test
        void aTunRouteInsideALanRouteIsAWarningAndAnIdenticalOneAnError() throws Exception {
            List<Conflict> nested = base().tun(5, "netext0", "10.9.0.1/32").route("192.168.1.0/25", 5, MAIN).detect();
            assertThat(only(nested, Conflict.ROUTE_OVERLAP)).singleElement().satisfies(c -> {
                assertThat(c.severity()).isEqualTo(Severity.WARNING);
                assertThat(c.message()).contains("netext0", "link eth0", "192.168.1.0/25", "192.168.1.0/24");
                assertThat(c.fix()).contains("exclude 192.168.1.0/24");
            });
            List<Conflict> same = base().tun(5, "netext0", "10.9.0.1/32").route("192.168.1.0/24", 5, MAIN).detect();
            assertThat(only(same, Conflict.ROUTE_OVERLAP)).singleElement()
                    .satisfies(c -> assertThat(c.severity()).isEqualTo(Severity.ERROR));
        }

        @Test
        void defaultRoutesSameDeviceAndNonTunPairsAreNotOverlaps() throws Exception {
            List<Conflict> cs = base().link(3, "eth1", "veth", true, "192.168.1.3/24").route("192.168.1.0/24", 3, MAIN)
                    .tun(5, "netext0", "10.7.0.1/24").route("10.7.0.0/24", 5, MAIN).route("10.7.0.0/25", 5, MAIN)
                    .route("0.0.0.0/0", 5, 52005)
                    .rule(Rule.lookup(IpFamily.V4, 52005).withPriority(10010).withFwmark(0x4e580005).inverted())
                    .ledger("tunnel-1-4242.state", true, Snap.NETNS, "link name=netext0 index=5",
                            "rule family=4 priority=10010 table=52005 fwmark=1314390021 invert=true")
                    .detect();
            assertThat(only(cs, Conflict.ROUTE_OVERLAP)).isEmpty();
        }

        @Test
        void tablesWhoseRulesSelectDifferentMarksAreNotConsultedTogether() throws Exception {
            List<Conflict> cs = base().tun(5, "tun0", "10.7.0.1/24").tun(6, "tun1", "10.7.0.2/24")
                    .route("10.7.0.0/24", 5, 100).route("10.7.0.0/24", 6, 200).route("10.7.0.0/16", 6, 300)
                    .rule(Rule.lookup(IpFamily.V4, 100).withPriority(100).withFwmark(0x1))
                    .rule(Rule.lookup(IpFamily.V4, 200).withPriority(200).withFwmark(0x2))
                    .detect(); // table 300: no rule consults it
            assertThat(only(cs, Conflict.ROUTE_OVERLAP)).isEmpty();
        }

        @Test
        void tablesWhoseRulesBothMatchArConsultedTogetherAndTheFirstTableWinsEvenWithALessSpecificRoute() throws Exception {
            List<Conflict> cs = base().tun(5, "tun0", "10.0.0.1/8").tun(6, "tun1", "10.7.0.2/24")
                    .route("10.0.0.0/8", 5, 52005).route("10.7.0.0/24", 6, MAIN)
                    .rule(Rule.lookup(IpFamily.V4, 52005).withPriority(10010).withFwmark(0x4e580005).inverted())
                    .ledger("tunnel-1-4242.state", true, Snap.NETNS, "link name=tun0 index=5",
                            "rule family=4 priority=10010 table=52005 fwmark=1314390021 invert=true")
                    .detect();
            assertThat(only(cs, Conflict.ROUTE_OVERLAP)).singleElement().satisfies(c -> {
                assertThat(c.severity()).isEqualTo(Severity.ERROR);
                assertThat(c.message()).contains("tables 52005 and main (rules 10010 and 32766)")
                        .contains("traffic to 10.7.0.0/24 goes to tun0, not tun1");
            });
        }

        @Test
        void aRuleLimitedToOtherDestinationsDoesNotJoinTheLookup() throws Exception {
            List<Conflict> cs = base().tun(5, "tun0", "10.7.0.1/24").tun(6, "tun1", "10.7.0.2/24")
                    .route("10.7.0.0/24", 5, 100).route("10.7.0.0/24", 6, MAIN)
                    .rule(Rule.lookup(IpFamily.V4, 100).withPriority(100).withTo(IpPrefix.parse("172.16.0.0/12")))
                    .detect();
            assertThat(only(cs, Conflict.ROUTE_OVERLAP)).isEmpty();
        }

        @Test
        void suppressPrefixLengthHidesOnlyShortRoutes() throws Exception {
            Snap snap = base().tun(5, "tun0", "10.7.0.1/24").tun(6, "tun1", "10.7.0.2/24")
                    .route("10.0.0.0/8", 5, 100).route("10.7.0.0/24", 6, 100)
                    .rule(Rule.lookup(IpFamily.V4, 100).withPriority(100).withSuppressPrefixLength(8));
            snap.rules.removeIf(r -> r.table() == MAIN);
            assertThat(only(snap.detect(), Conflict.ROUTE_OVERLAP)).as("the /8 is suppressed, so never chosen").isEmpty();
        }
    }

    @Nested
    class StaleState {
        @Test
        void aDeadLedgerOfThisNamespaceWithNothingLeftIsAWarningAndOfAnotherANote() throws Exception {
            List<Conflict> cs = base().ledger("tunnel-1-99.state", false, Snap.NETNS, "link name=netext3 index=9",
                            "rule family=4 priority=10018 table=52009 fwmark=1314390025 invert=true")
                    .ledger("tunnel-2-98.state", false, 123L).detect();
            List<Conflict> stale = only(cs, Conflict.STALE_LEDGER);
            assertThat(stale).hasSize(2);
            assertThat(stale).filteredOn(c -> c.severity() == Severity.WARNING).singleElement().satisfies(c -> {
                assertThat(c.message()).contains("/run/netext/tunnel-1-99.state", "dead process 4242", "netext3", "52009",
                        "none of its objects is left");
                assertThat(c.fix()).contains("netext diagnose --fix", "/run/netext/tunnel-1-99.state");
            });
            assertThat(stale).filteredOn(c -> c.severity() == Severity.INFO).singleElement()
                    .satisfies(c -> assertThat(c.message()).contains("another network namespace"));
        }

        @Test
        void aDeadTunnelLedgerWhoseRulesRemainIsAnError() throws Exception {
            List<Conflict> stale = only(base()
                    .rule(Rule.lookup(IpFamily.V4, 52009).withPriority(10018).withFwmark(0x4e580009).inverted())
                    .route(Route.to(IpPrefix.parse("10.7.5.0/24")).withTable(52009).withType(Route.Type.THROW))
                    .ledger("tunnel-1-99.state", false, Snap.NETNS, "link name=netext3 index=9",
                            "route family=4 dst=10.7.5.0/24 index=0 table=52009 type=throw",
                            "rule family=4 priority=10018 table=52009 fwmark=1314390025 invert=true").detect(), Conflict.STALE_LEDGER);
            assertThat(stale).singleElement().satisfies(c -> {
                assertThat(c.severity()).isEqualTo(Severity.ERROR);
                assertThat(c.message()).contains("ip rule 10018 (table 52009)", "ip route 10.7.5.0/24 table 52009")
                        .doesNotContain("link netext3").doesNotContain("black-holed");
            });
        }

        @Test
        void aDeadDnsInterceptionLedgerWhoseTableRemainsIsAnErrorThatBlackHoles() throws Exception {
            Snap snap = base().ledger("dns-1-97.state", false, Snap.NETNS, "nft-table family=inet name=netext-dns");
            snap.netfilter = new NetfilterState(Map.of("inet netext-dns", """
                    table inet netext-dns {
                    	chain output {
                    		type nat hook output priority -100; policy accept;
                    		meta l4proto { tcp, udp } th dport 53 redirect to :5353
                    	}
                    }"""), Map.of());
            assertThat(only(snap.detect(), Conflict.STALE_LEDGER)).singleElement().satisfies(c -> {
                assertThat(c.severity()).isEqualTo(Severity.ERROR);
                assertThat(c.message()).contains("/run/netext/dns-1-97.state", "traffic is black-holed by nft table inet netext-dns");
                assertThat(c.fix()).contains("netext diagnose --fix", "nft delete table inet netext-dns");
            });
            assertThat(only(base().ledger("dns-1-4242.state", true, Snap.NETNS, "nft-table family=inet name=netext-dns").detect(),
                    Conflict.STALE_LEDGER)).as("a running instance's ledger is no conflict").isEmpty();
        }

        /** The fast path's gateway chain is jumped to per interface: the jump is found with its {@code -i}. */
        @Test
        void aDeadFlowLedgersGatewayQueueJumpIsFoundWithItsInterface() throws Exception {
            Snap snap = base().ledger("flow-1-97.state", false, Snap.NETNS,
                    "iptables-chain family=4 table=mangle chain=NETEXT-FP-20056-FWD",
                    "iptables-jump family=4 table=mangle from=PREROUTING chain=NETEXT-FP-20056-FWD in=gw-c");
            snap.netfilter = new NetfilterState(Map.of(), Map.of(IpFamily.V4, List.of("-N NETEXT-FP-20056-FWD",
                    "-A PREROUTING -i gw-c -j NETEXT-FP-20056-FWD",
                    "-A NETEXT-FP-20056-FWD -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -j NFQUEUE --queue-num 20056 --queue-bypass")));
            assertThat(only(snap.detect(), Conflict.STALE_LEDGER)).singleElement().satisfies(c ->
                    assertThat(c.message()).contains("iptables chain NETEXT-FP-20056-FWD",
                            "iptables jump PREROUTING (in gw-c) → NETEXT-FP-20056-FWD"));
        }

        /** A kill switch a killed netext left blocks on purpose; diagnose says so and how to open the network. */
        @Test
        void aDeadKillSwitchIsAnErrorThatBlocksByDesign() throws Exception {
            Map<String, String> table = Map.of("inet netext-killswitch", """
                    table inet netext-killswitch {
                    	chain output {
                    		type filter hook output priority filter; policy drop;
                    		oifname "lo" accept
                    	}
                    }""");
            Snap snap = base().ledger("killswitch-ks-1-97.state", false, Snap.NETNS, "nft-table family=inet name=netext-killswitch");
            snap.netfilter = new NetfilterState(table, Map.of());
            assertThat(only(snap.detect(), Conflict.STALE_LEDGER)).singleElement().satisfies(c -> {
                assertThat(c.severity()).isEqualTo(Severity.ERROR);
                assertThat(c.message()).contains("netext killswitch ledger", "nft table inet netext-killswitch",
                        "blocks all traffic outside the tunnel by design");
                assertThat(c.fix()).contains("netext diagnose --fix", "nft delete table inet netext-killswitch");
            });
            Snap orphan = base();
            orphan.netfilter = new NetfilterState(table, Map.of());
            assertThat(only(orphan.detect(), Conflict.ORPHAN_NFT_TABLE)).singleElement().satisfies(c -> {
                assertThat(c.severity()).as("no ledger, still no network").isEqualTo(Severity.ERROR);
                assertThat(c.message()).contains("by design");
            });
        }

        @Test
        void netextRulesAndTablesWithoutAnyOwnerAreOrphans() throws Exception {
            Snap snap = base()
                    .rule(Rule.lookup(IpFamily.V4, MAIN).withPriority(10009).withSuppressPrefixLength(0))
                    .rule(Rule.lookup(IpFamily.V4, 52005).withPriority(10010).withFwmark(0x4e580005).inverted())
                    .rule(Rule.lookup(IpFamily.V6, 52005).withPriority(10010).withFwmark(0x4e580005).inverted())
                    .rule(Rule.lookup(IpFamily.V4, 100).withPriority(10500).withFwmark(0x1)) // not netext's mark
                    .route(Route.to(IpPrefix.parse("192.168.1.0/24")).withTable(52005).withType(Route.Type.THROW));
            List<Conflict> cs = snap.detect();
            assertThat(only(cs, Conflict.ORPHAN_RULE)).extracting(Conflict::fix).containsExactlyInAnyOrder(
                    "ip rule del priority 10009", "ip rule del priority 10010", "ip -6 rule del priority 10010");
            assertThat(only(cs, Conflict.ORPHAN_RULE)).allMatch(c -> c.severity() == Severity.WARNING);
            assertThat(only(cs, Conflict.ORPHAN_TABLE)).singleElement().satisfies(c -> {
                assertThat(c.severity()).isEqualTo(Severity.WARNING);
                assertThat(c.fix()).endsWith("ip route flush table 52005");
            });

            snap.ledger("tunnel-1-4242.state", true, Snap.NETNS, "link name=netext0 index=5",
                    "rule family=4 priority=10009 suppress=0 table=254",
                    "rule family=4 priority=10010 table=52005 fwmark=1314390021 invert=true",
                    "rule family=6 priority=10010 table=52005 fwmark=1314390021 invert=true");
            List<Conflict> owned = snap.detect();
            assertThat(only(owned, Conflict.ORPHAN_RULE)).isEmpty();
            assertThat(only(owned, Conflict.ORPHAN_TABLE)).isEmpty();
        }

        @Test
        void orphansThatBlackHoleTrafficAreErrors() throws Exception {
            Snap snap = base()
                    .rule(Rule.lookup(IpFamily.V4, 52101).withPriority(10101).withFwmark(0x4e580f01))
                    .route(Route.to(IpPrefix.parse("0.0.0.0/0")).withTable(52101).withType(Route.Type.LOCAL).withOutputInterface(1));
            snap.netfilter = new NetfilterState(Map.of(
                    "inet netext-flow", "table inet netext-flow {\n chain output {\n meta l4proto tcp meta mark set 0x4e580f01\n }\n}",
                    "inet netext-capture-33000", "table inet netext-capture-33000 {\n chain output {\n ip saddr 10.0.0.1 log group 33000\n }\n}"),
                    Map.of(IpFamily.V4, List.of("-N NETEXT-PF-7-OUT", "-N NETEXT-PF-7-Q", "-A OUTPUT -j NETEXT-PF-7-OUT",
                            "-A NETEXT-PF-7-OUT -p udp -j NETEXT-PF-7-Q", "-A NETEXT-PF-7-Q -j NFQUEUE --queue-num 7")));
            List<Conflict> cs = snap.detect();
            assertThat(only(cs, Conflict.ORPHAN_RULE)).singleElement().satisfies(c -> assertThat(c.severity()).isEqualTo(Severity.ERROR));
            assertThat(only(cs, Conflict.ORPHAN_TABLE)).singleElement().satisfies(c -> assertThat(c.severity()).isEqualTo(Severity.ERROR));
            assertThat(only(cs, Conflict.ORPHAN_NFT_TABLE)).extracting(c -> c.subjects().getFirst() + "/" + c.severity())
                    .containsExactlyInAnyOrder("inet netext-flow/ERROR", "inet netext-capture-33000/WARNING");
            assertThat(only(cs, Conflict.ORPHAN_CHAIN)).extracting(c -> c.subjects().getFirst() + "/" + c.severity())
                    .containsExactlyInAnyOrder("NETEXT-PF-7-OUT/WARNING", "NETEXT-PF-7-Q/ERROR");
        }

        @Test
        void aLiveLedgerOfAnotherNamespaceOwnsNothingHere() throws Exception {
            List<Conflict> cs = base()
                    .rule(Rule.lookup(IpFamily.V4, 52005).withPriority(10010).withFwmark(0x4e580005).inverted())
                    .ledger("tunnel-7-4242.state", true, 7L, "rule family=4 priority=10010 table=52005 fwmark=1314390021 invert=true")
                    .detect();
            assertThat(only(cs, Conflict.ORPHAN_RULE)).hasSize(1);
            assertThat(only(cs, Conflict.STALE_LEDGER)).isEmpty();
        }
    }

    @Nested
    class RpFilter {
        @Test
        void strictRpFilterOnATunIsAWarningWhetherFromAllOrTheDevice() throws Exception {
            assertThat(only(base().tun(5, "netext0", "10.7.0.1/24").sysctl("net.ipv4.conf.all.rp_filter", 1).detect(),
                    Conflict.RP_FILTER)).singleElement().satisfies(c -> {
                        assertThat(c.message()).contains("netext0", "net.ipv4.conf.all.rp_filter = 1");
                        assertThat(c.fix()).contains("sysctl -w net.ipv4.conf.netext0.rp_filter=2", "src_valid_mark=1");
                    });
            assertThat(only(base().tun(5, "netext0", "10.7.0.1/24").sysctl("net.ipv4.conf.netext0.rp_filter", 1).detect(),
                    Conflict.RP_FILTER)).hasSize(1);
        }

        @Test
        void theEffectiveValueIsTheMaximumOfAllAndTheDevice() throws Exception {
            assertThat(base().sysctl("net.ipv4.conf.all.rp_filter", 1).sysctl("net.ipv4.conf.tun0.rp_filter", 2).build()
                    .effectiveRpFilter("tun0")).isEqualTo(2);
            assertThat(only(base().tun(5, "tun0", "10.7.0.1/24").sysctl("net.ipv4.conf.all.rp_filter", 1)
                    .sysctl("net.ipv4.conf.tun0.rp_filter", 2).detect(), Conflict.RP_FILTER)).as("loose wins").isEmpty();
            assertThat(only(base().tun(5, "tun0", "10.7.0.1/24").sysctl("net.ipv4.conf.all.rp_filter", 2)
                    .sysctl("net.ipv4.conf.tun0.rp_filter", 1).detect(), Conflict.RP_FILTER)).isEmpty();
            assertThat(only(base().tun(5, "tun0", "10.7.0.1/24").sysctl("net.ipv4.conf.tun0.rp_filter", 0).detect(),
                    Conflict.RP_FILTER)).isEmpty();
        }

        @Test
        void strictRpFilterOnTheDefaultRouteLinkMattersOnlyWithFwmarkRoutingAndWithoutSrcValidMark() throws Exception {
            assertThat(only(base().sysctl("net.ipv4.conf.eth0.rp_filter", 1).detect(), Conflict.RP_FILTER))
                    .as("no fwmark rules").isEmpty();
            Snap full = base().tun(5, "netext0", "10.7.0.1/24").route("0.0.0.0/0", 5, 52005)
                    .rule(Rule.lookup(IpFamily.V4, MAIN).withPriority(10009).withSuppressPrefixLength(0))
                    .rule(Rule.lookup(IpFamily.V4, 52005).withPriority(10010).withFwmark(0x4e580005).inverted())
                    .sysctl("net.ipv4.conf.eth0.rp_filter", 1);
            assertThat(only(full.detect(), Conflict.RP_FILTER)).singleElement().satisfies(c -> {
                assertThat(c.message()).contains("eth0", "default-route link", "fwmark");
                assertThat(c.subjects()).containsExactly("eth0");
            });
            full.sysctl("net.ipv4.conf.all.src_valid_mark", 1);
            assertThat(only(full.detect(), Conflict.RP_FILTER)).isEmpty();
        }
    }

    @Nested
    class TunHealthAndDefaults {
        @Test
        void aTunDownOrWithoutAddressIsAWarning() throws Exception {
            List<Conflict> cs = base().link(5, "tunx", "tun", false).detect();
            assertThat(only(cs, Conflict.TUN_DOWN)).singleElement().satisfies(c -> {
                assertThat(c.severity()).isEqualTo(Severity.WARNING);
                assertThat(c.message()).contains("foreign TUN device tunx is down");
                assertThat(c.fix()).contains("ip link set dev tunx up");
            });
            assertThat(only(cs, Conflict.TUN_NO_ADDRESS)).singleElement()
                    .satisfies(c -> assertThat(c.message()).contains("tunx has no address"));
        }

        @Test
        void aTunUpWithoutCarrierIsAWarning() throws Exception {
            Snap snap = base();
            snap.links.add(new dev.netext.linux.netlink.Link(5, "tunz", 0x1, 1500, "tun"));
            snap.addresses.add(new dev.netext.linux.netlink.Address(5, IpPrefix.parse("10.7.0.1/24"), 0, 0, null));
            assertThat(only(snap.detect(), Conflict.TUN_NO_CARRIER)).singleElement()
                    .satisfies(c -> assertThat(c.message()).contains("tunz", "no process has it open"));
            assertThat(only(snap.detect(), Conflict.TUN_DOWN)).isEmpty();
        }

        @Test
        void ipv6DisabledOnATunGivenIpv6AddressesIsAnError() throws Exception {
            Snap snap = base().tun(5, "netext0", "10.7.0.1/24").sysctl("net.ipv6.conf.netext0.disable_ipv6", 1)
                    .ledger("tunnel-1-4242.state", true, Snap.NETNS, "link name=netext0 index=5",
                            "addr dev=netext0 index=5 prefix=10.7.0.1/24", "addr dev=netext0 index=5 prefix=fd00:7::1/64");
            assertThat(only(snap.detect(), Conflict.IPV6_DISABLED)).singleElement().satisfies(c -> {
                assertThat(c.severity()).isEqualTo(Severity.ERROR);
                assertThat(c.message()).contains("netext0", "fd00:7::1/64");
                assertThat(c.fix()).contains("net.ipv6.conf.netext0.disable_ipv6=0");
            });
            assertThat(only(base().tun(5, "netext0", "10.7.0.1/24").sysctl("net.ipv6.conf.netext0.disable_ipv6", 1).detect(),
                    Conflict.IPV6_DISABLED)).as("nothing requested IPv6").isEmpty();
        }

        @Test
        void noDefaultRouteIsAWarningForIpv4AndANoteForIpv6() {
            List<Conflict> cs = new Snap().link(1, "lo", null, true, "127.0.0.1/8").detect();
            assertThat(only(cs, Conflict.NO_DEFAULT_ROUTE)).extracting(Conflict::severity)
                    .containsExactly(Severity.WARNING, Severity.INFO);
        }

        @Test
        void aFullTunnelsDefaultRouteIsTheActiveOneAndTheMainDefaultStaysListed() throws Exception {
            NetworkSnapshot s = base().tun(5, "netext0", "10.7.0.1/24").route("0.0.0.0/0", 5, 52005)
                    .rule(Rule.lookup(IpFamily.V4, MAIN).withPriority(10009).withSuppressPrefixLength(0))
                    .rule(Rule.lookup(IpFamily.V4, 52005).withPriority(10010).withFwmark(0x4e580005).inverted())
                    .build();
            List<PolicyRouting.DefaultRoute> ds = PolicyRouting.defaultRoutes(s, IpFamily.V4);
            assertThat(ds).hasSize(2);
            assertThat(ds.get(0).active()).isTrue();
            assertThat(ds.get(0).route().outputInterface()).isEqualTo(5);
            assertThat(ds.get(0).rule().priority()).isEqualTo(10010);
            assertThat(ds.get(1).active()).isFalse();
            assertThat(ds.get(1).rule().priority()).as("main's default only via 32766: 10009 suppresses it").isEqualTo(32766);
        }

        @Test
        void anUnreachableDefaultForOrdinaryTrafficCountsAsNoDefault() throws Exception {
            Snap snap = base().route(Route.to(IpPrefix.parse("0.0.0.0/0")).withTable(300).withType(Route.Type.UNREACHABLE))
                    .rule(Rule.lookup(IpFamily.V4, 300).withPriority(100));
            assertThat(only(snap.detect(), Conflict.NO_DEFAULT_ROUTE)).singleElement().satisfies(c -> {
                assertThat(c.severity()).isEqualTo(Severity.WARNING);
                assertThat(c.message()).contains("unreachable default", "table 300");
            });
        }
    }

    @Test
    void selectorCompatibility() {
        Rule any = Rule.lookup(IpFamily.V4, 1);
        Rule mark1 = any.withFwmark(1), mark2 = any.withFwmark(2);
        assertThat(PolicyRouting.compatible(mark1, mark2)).isFalse();
        assertThat(PolicyRouting.compatible(mark1, any)).isTrue();
        assertThat(PolicyRouting.compatible(mark1, mark1.inverted())).isFalse();
        assertThat(PolicyRouting.compatible(mark2, mark1.inverted())).isTrue();
        assertThat(PolicyRouting.compatible(any.withFwmark(0x10, 0xf0), any.withFwmark(0x11, 0x0f))).isTrue();
        assertThat(PolicyRouting.compatible(any.withFrom(IpPrefix.parse("10.0.0.0/8")), any.withFrom(IpPrefix.parse("10.1.0.0/16")))).isTrue();
        assertThat(PolicyRouting.compatible(any.withFrom(IpPrefix.parse("10.0.0.0/8")), any.withFrom(IpPrefix.parse("11.0.0.0/8")))).isFalse();
        assertThat(PolicyRouting.compatible(any.withIif("a"), any.withIif("b"))).isFalse();
        assertThat(PolicyRouting.matchesOrdinary(mark1.inverted())).isTrue();
        assertThat(PolicyRouting.matchesOrdinary(mark1)).isFalse();
        assertThat(PolicyRouting.matchesOrdinary(any)).isTrue();
    }
}
