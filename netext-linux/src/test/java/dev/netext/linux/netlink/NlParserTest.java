package dev.netext.linux.netlink;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.List;

import static dev.netext.linux.netlink.Bytes.hex;
import static dev.netext.linux.netlink.NetlinkH.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NlParserTest {

    @BeforeAll
    static void littleEndian() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "fixtures are little-endian");
    }

    /** One RTM_GETLINK dump datagram as the kernel sends it: two NLM_F_MULTI links, then NLMSG_DONE. */
    static final String LINK_DUMP = """
            30000000 1000 0200 2a000000 e8030000
            00 00 0403 01000000 49000100 00000000
            07000300 6c6f0000
            08000400 00000100
            40000000 1000 0200 2a000000 e8030000
            00 00 0100 05000000 02100000 00000000
            07000300 76610000
            08000400 dc050000
            10001200 09000100 76657468 00000000
            14000000 0300 0200 2a000000 e8030000 00000000
            """;

    @Test
    void multipartDumpWithDone() {
        List<NlMessage> msgs = NlParser.parse(Bytes.hex(LINK_DUMP));
        assertThat(msgs).extracting(NlMessage::type).containsExactly(16, 16, NLMSG_DONE);
        assertThat(msgs).allMatch(m -> m.hasFlag(NLM_F_MULTI) && m.seq() == 42 && m.pid() == 1000);
        Link lo = Link.decode(msgs.get(0));
        Link va = Link.decode(msgs.get(1));
        assertThat(lo).isEqualTo(new Link(1, "lo", 0x10049, 65536, null));
        assertThat(lo.toString()).isEqualTo("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536");
        assertThat(lo.loopback() && lo.up() && lo.running()).isTrue();
        assertThat(va).isEqualTo(new Link(5, "va", 0x1002, 1500, "veth"));
        assertThat(va.toString()).isEqualTo("5: va: <BROADCAST,MULTICAST> mtu 1500 veth");
        assertThat(msgs.get(2).payload().getInt(0)).isZero();
    }

    @Test
    void attributesMaskNestedFlagAndReadTypedValues() {
        NlMessage va = NlParser.parse(Bytes.hex(LINK_DUMP)).get(1);
        NlAttributes a = va.attributes(IfLinkH.IFINFOMSG_SIZE);
        assertThat(a.all()).extracting(NlAttributes.Attr::type).containsExactly(3, 4, 18);
        assertThat(a.string(3)).isEqualTo("va");
        assertThat(a.u32(4, -1)).isEqualTo(1500);
        assertThat(a.u32(99, -1)).isEqualTo(-1);
        assertThat(a.nested(18).string(1)).isEqualTo("veth");
        assertThatThrownBy(() -> a.address(3)).isInstanceOf(NetlinkFormatException.class);
    }

    @Test
    void ackIsErrorZero() {
        // nlmsgerr { error 0, msg = request header }, capped
        NlMessage m = NlParser.parse(Bytes.hex("""
                24000000 0200 0001 07000000 d2040000
                00000000 34000000 1400 0506 07000000 d2040000""")).getFirst();
        NlError e = m.error();
        assertThat(e.isAck()).isTrue();
        assertThat(e.requestType()).isEqualTo(20);
        assertThat(e.requestSeq()).isEqualTo(7);
        assertThat(e.message()).isNull();
    }

    @Test
    void cappedErrorWithExtendedAckMessage() {
        // -EEXIST, NLM_F_CAPPED | NLM_F_ACK_TLVS, NLMSGERR_ATTR_MSG "Address already assigned" (25 bytes with NUL)
        NlMessage m = NlParser.parse(Bytes.hex("""
                44000000 0200 0003 07000000 d2040000
                efffffff 34000000 1400 0506 07000000 d2040000
                1d000100 41646472 65737320 616c7265 61647920 61737369 676e6564 00000000""")).getFirst();
        NlError e = m.error();
        assertThat(e.errno()).isEqualTo(17);
        assertThat(e.message()).isEqualTo("Address already assigned");
        assertThat(e.offset()).isEqualTo(-1);
    }

    @Test
    void uncappedErrorSkipsEchoedRequestBeforeTlvs() {
        // -EINVAL, NLM_F_ACK_TLVS only: the 20-byte request (header + 4 payload bytes) is echoed, then MSG and OFFS
        NlMessage m = NlParser.parse(Bytes.hex("""
                38000000 0200 0002 09000000 00000000
                eaffffff 14000000 1000 0500 09000000 00000000 aabbccdd
                08000100 62616400
                08000200 10000000""")).getFirst();
        NlError e = m.error();
        assertThat(e.errno()).isEqualTo(22);
        assertThat(e.message()).isEqualTo("bad");
        assertThat(e.offset()).isEqualTo(16);
    }

    @Test
    void routeAndRuleRoundTripThroughBuilder() {
        Route r = Route.to(IpPrefix.parse("2001:db8::/32")).withGateway(IpPrefix.parseAddress("fd00::2"))
                .withOutputInterface(3).withTable(51820).withMetric(100).withScope(0);
        Route back = Route.decode(parseBuilt(RtnlRequests.newRoute(RtnlRequests.NEW, r)));
        assertThat(back).isEqualTo(r);
        assertThat(back.toString()).isEqualTo("2001:db8::/32 via fd00::2 dev #3 table 51820 metric 100");

        Rule rule = Rule.lookup(IpFamily.V4, 200).withPriority(100).withFrom(IpPrefix.parse("10.0.0.0/8"))
                .withFwmark(0x10, 0xff).withIif("va");
        Rule ruleBack = Rule.decode(parseBuilt(RtnlRequests.rule(RtnetlinkH.RTM_NEWRULE, RtnlRequests.NEW, rule)));
        assertThat(ruleBack).isEqualTo(rule);
        assertThat(ruleBack.toString()).isEqualTo("100:\tfrom 10.0.0.0/8 fwmark 0x10/0xff iif va lookup 200");
    }

    @Test
    void addressDecodePrefersLocalForIpv4() {
        var built = RtnlRequests.address(RtnetlinkH.RTM_NEWADDR, RtnlRequests.NEW, 4, IpPrefix.parse("10.1.0.1/24"));
        Address a = Address.decode(parseBuilt(built));
        assertThat(a).isEqualTo(new Address(4, IpPrefix.parse("10.1.0.1/24"), 0, 0, null));
        assertThat(a.toString()).isEqualTo("inet 10.1.0.1/24 scope global dev #4");
    }

    @Test
    void lengthErrorsAreFormatExceptions() {
        assertThatThrownBy(() -> NlParser.parse(Bytes.hex("0f000000 1000 0000 00000000 00000000")))
                .isInstanceOf(NetlinkFormatException.class).hasMessageContaining("nlmsg_len 15");
        assertThatThrownBy(() -> NlParser.parse(Bytes.hex("40000000 1000 0000 00000000 00000000")))
                .isInstanceOf(NetlinkFormatException.class);
        assertThatThrownBy(() -> NlAttributes.parse(Bytes.hex("09000100 00000000")))
                .isInstanceOf(NetlinkFormatException.class).hasMessageContaining("nla_len 9");
        // a message too short for its family header
        NlMessage m = NlParser.parse(Bytes.hex("14000000 1000 0000 00000000 00000000 00000000")).getFirst();
        assertThatThrownBy(() -> Link.decode(m)).isInstanceOf(NetlinkFormatException.class);
        // trailing bytes shorter than a header are ignored, as NLMSG_OK does
        assertThat(NlParser.parse(Bytes.hex("14000000 0300 0200 00000000 00000000 00000000 0000"))).hasSize(1);
    }

    static NlMessage parseBuilt(NlMessageBuilder b) {
        List<NlMessage> msgs = NlParser.parse(b.build(1, 0));
        assertThat(msgs).hasSize(1);
        return msgs.getFirst();
    }

    @Test
    void hexHelperRoundTrips() {
        assertThat(hex(Bytes.hex("00 ff"))).isEqualTo("00ff");
    }
}
