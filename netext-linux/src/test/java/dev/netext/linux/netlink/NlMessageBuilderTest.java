package dev.netext.linux.netlink;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;

import static dev.netext.linux.netlink.Bytes.hex;
import static dev.netext.linux.netlink.Bytes.norm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Exact bytes of requests, derived by hand from the struct layouts in linux/netlink.h, rtnetlink.h, if_addr.h and
 * fib_rules.h (little-endian host).
 */
class NlMessageBuilderTest {

    @BeforeAll
    static void littleEndian() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "expected bytes are written for x86/arm LE");
    }

    @Test
    void headerAndAlignedAttributes() {
        var b = new NlMessageBuilder(0x1234, 0x0005).u8(7).align4().attrU8(1, 0xAB).attrU16(2, 0x0102)
                .attrString(3, "abc").attrU32(4, 0xDEADBEEF);
        // nlmsghdr(16) + u8 padded(4) + u8 attr(8) + u16 attr(8) + "abc\0"(8) + u32(8) = 52
        assertThat(hex(b.build(9, 77))).isEqualTo(norm("""
                34000000 3412 0500 09000000 4d000000
                07000000
                05000100 ab000000
                06000200 02010000
                08000300 61626300
                08000400 efbeadde"""));
    }

    @Test
    void nestedAttributeLengthCoversChildrenAndSetsNlaFNested() {
        var b = new NlMessageBuilder(RtnetlinkH.RTM_NEWLINK, 0);
        int n = b.beginNested(IfLinkH.IFLA_LINKINFO);
        b.attrString(IfLinkH.IFLA_INFO_KIND, "veth");
        b.endNested(n);
        // nlmsg_len 16 + 16; IFLA_LINKINFO (18) | NLA_F_NESTED, len 4 + 12; IFLA_INFO_KIND "veth\0" len 9, padded to 12
        assertThat(hex(b.build(0, 0))).isEqualTo(norm("""
                20000000 1000 0000 00000000 00000000
                10001280 09000100 76657468 00000000"""));
    }

    @Test
    void wgQuickNotFwmarkRule() {
        // ip rule add not fwmark 0xca6c table 51820
        Rule r = Rule.lookup(IpFamily.V4, 51820).withFwmark(0xca6c).inverted();
        assertThat(r.toString()).isEqualTo("not from all fwmark 0xca6c lookup 51820");
        assertThat(hex(RtnlRequests.rule(RtnetlinkH.RTM_NEWRULE, RtnlRequests.NEW, r).build(1, 0))).isEqualTo(norm("""
                34000000 2000 0506 01000000 00000000
                02 00 00 00 00 00 00 01 02000000
                08000a00 6cca0000
                08001000 ffffffff
                08000f00 6cca0000"""));
    }

    @Test
    void wgQuickSuppressPrefixlengthRule() {
        // ip rule add table main suppress_prefixlength 0
        Rule r = Rule.lookup(IpFamily.V6, RtnetlinkH.RT_TABLE_MAIN).withSuppressPrefixLength(0);
        assertThat(r.toString()).isEqualTo("from all lookup main suppress_prefixlength 0");
        assertThat(hex(RtnlRequests.rule(RtnetlinkH.RTM_NEWRULE, RtnlRequests.NEW, r).build(2, 0))).isEqualTo(norm("""
                2c000000 2000 0506 02000000 00000000
                0a 00 00 00 fe 00 00 01 00000000
                08000f00 fe000000
                08000e00 00000000"""));
    }

    @Test
    void ipv6AddressWithNodad() {
        var m = RtnlRequests.address(RtnetlinkH.RTM_NEWADDR, RtnlRequests.NEW, 3, IpPrefix.parse("fd00::1/64"));
        assertThat(hex(m.build(5, 0))).isEqualTo(norm("""
                34000000 1400 0506 05000000 00000000
                0a 40 02 00 03000000
                14000100 fd000000 00000000 00000000 00000001
                08000800 02000000"""));
    }

    @Test
    void ipv4AddressCarriesLocalAndAddress() {
        var m = RtnlRequests.address(RtnetlinkH.RTM_NEWADDR, RtnlRequests.NEW, 3, IpPrefix.parse("10.1.0.1/24"));
        assertThat(hex(m.build(5, 0))).isEqualTo(norm("""
                28000000 1400 0506 05000000 00000000
                02 18 00 00 03000000
                08000200 0a010001
                08000100 0a010001"""));
    }

    @Test
    void routeInHighTableUsesRtaTable() {
        Route r = Route.to(IpPrefix.parse("10.9.0.0/16")).withOutputInterface(4).withTable(51820).withMetric(7);
        // rtm_table 0 (RT_TABLE_UNSPEC) + RTA_TABLE 51820; scope link (no gateway), protocol boot, type unicast
        assertThat(hex(RtnlRequests.newRoute(RtnlRequests.REPLACE, r).build(1, 0))).isEqualTo(norm("""
                3c000000 1800 0505 01000000 00000000
                02 10 00 00 00 03 fd 01 00000000
                08000f00 6cca0000
                08000100 0a090000
                08000400 04000000
                08000600 07000000"""));
        assertThat(r.toString()).isEqualTo("10.9.0.0/16 dev #4 table 51820 metric 7");
    }

    @Test
    void deleteRouteMatchesAnyScopeAndProtocol() {
        Route r = Route.to(IpPrefix.parse("0.0.0.0/0")).withType(Route.Type.UNREACHABLE);
        assertThat(hex(RtnlRequests.deleteRoute(r).build(1, 0))).isEqualTo(norm("""
                24000000 1900 0500 01000000 00000000
                02 00 00 00 fe 00 ff 07 00000000
                08000f00 fe000000"""));
    }

    @Test
    void linkUpAndMtu() {
        assertThat(hex(RtnlRequests.setLinkUp(2, true).build(1, 0))).isEqualTo(norm("""
                20000000 1000 0500 01000000 00000000
                00 00 0000 02000000 01000000 01000000"""));
        assertThat(hex(RtnlRequests.setMtu(2, 1420).build(1, 0))).isEqualTo(norm("""
                28000000 1000 0500 01000000 00000000
                00 00 0000 02000000 00000000 00000000
                08000400 8c050000"""));
    }
}
