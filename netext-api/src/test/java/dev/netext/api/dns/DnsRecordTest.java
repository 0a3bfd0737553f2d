package dev.netext.api.dns;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DnsRecordTest {

    private static byte[] hex(String s) { return HexFormat.of().parseHex(s.replace(" ", "")); }

    @Test
    void aRecordCarriesFourAddressBytes() {
        DnsRecord r = DnsRecord.a("Host.Example.COM.", 300, (Inet4Address) IpPrefix.parseAddress("192.0.2.10"));
        assertThat(r.name()).isEqualTo("host.example.com");
        assertThat(r.type()).isEqualTo(DnsType.A);
        assertThat(r.dnsClass()).isEqualTo(DnsClass.IN);
        assertThat(r.rdata()).containsExactly(hex("c000020a"));
        assertThat(r.addressValue()).contains(IpPrefix.parseAddress("192.0.2.10"));
    }

    @Test
    void addressPicksTheTypeByFamily() {
        DnsRecord r = DnsRecord.address("v6.example", 60, IpPrefix.parseAddress("2001:db8::1"));
        assertThat(r.type()).isEqualTo(DnsType.AAAA);
        assertThat(r.rdata()).containsExactly(hex("20010db8000000000000000000000001"));
        assertThat(DnsRecord.aaaa("v6.example", 60, (Inet6Address) IpPrefix.parseAddress("2001:db8::1"))).isEqualTo(r);
    }

    @Test
    void cnameRdataIsAnUncompressedWireName() {
        DnsRecord r = DnsRecord.cname("alias.example", 60, "WWW.Example.com.");
        assertThat(r.rdata()).containsExactly(hex("03 777777 07 6578616d706c65 03 636f6d 00"));
        assertThat(r.addressValue()).isEmpty();
        assertThat(DnsRecord.encodeName(".")).containsExactly(0);
    }

    @Test
    void txtRdataIsLengthPrefixedStrings() {
        DnsRecord r = DnsRecord.txt("example", 60, "v=spf1", "");
        assertThat(r.rdata()).containsExactly(hex("06 763d73706631 00"));
    }

    @Test
    void txtRejectsLongStringsAndNoStrings() {
        assertThatThrownBy(() -> DnsRecord.txt("example", 60, "x".repeat(256))).hasMessageContaining("255");
        assertThatThrownBy(() -> DnsRecord.txt("example", 60, List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void txtSplittingCutsAt255BytesWithoutBreakingCodePoints() {
        String value = "a".repeat(254) + "é" + "b".repeat(10); // é is 2 bytes, starting at byte 254
        byte[] rdata = DnsRecord.txtSplitting("example", 60, value).rdata();
        assertThat(rdata[0] & 0xFF).isEqualTo(254);
        assertThat(rdata[255] & 0xFF).isEqualTo(12);
        assertThat(new String(rdata, 256, 12, StandardCharsets.UTF_8)).isEqualTo("é" + "b".repeat(10));
        assertThat(rdata).hasSize(1 + 254 + 1 + 12);

        assertThat(DnsRecord.txtSplitting("example", 60, "").rdata()).containsExactly(0);
    }

    @Test
    void recordIsImmutableAndComparesRdataByContent() {
        byte[] data = {1, 2, 3, 4};
        DnsRecord r = new DnsRecord("example", DnsType.A, DnsClass.IN, 5, data);
        data[0] = 9;
        r.rdata()[1] = 9;
        assertThat(r.rdata()).containsExactly(1, 2, 3, 4);
        assertThat(r).isEqualTo(new DnsRecord("example", DnsType.A, DnsClass.IN, 5, new byte[]{1, 2, 3, 4}))
                .hasSameHashCodeAs(new DnsRecord("example", DnsType.A, DnsClass.IN, 5, new byte[]{1, 2, 3, 4}));
        assertThat(r).isNotEqualTo(r.withTtl(6));
    }

    @Test
    void rejectsBadTtlAndPseudoTypes() {
        assertThatThrownBy(() -> DnsRecord.a("x", -1, (Inet4Address) IpPrefix.parseAddress("1.2.3.4")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DnsRecord.a("x", 1L << 31, (Inet4Address) IpPrefix.parseAddress("1.2.3.4")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DnsRecord("x", DnsType.OPT, DnsClass.IN, 0, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void typesParseMnemonicsAndGenericForm() {
        assertThat(DnsType.parse("aaaa")).isEqualTo(DnsType.AAAA);
        assertThat(DnsType.parse("TYPE65")).isEqualTo(DnsType.HTTPS);
        assertThat(new DnsType(999).mnemonic()).isEqualTo("TYPE999");
        assertThatThrownBy(() -> DnsType.parse("BOGUS")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DnsType(70_000)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sinkholeAnswersOnlyTheQueriedFamily() {
        InetAddress v4 = IpPrefix.parseAddress("0.0.0.0");
        InetAddress v6 = IpPrefix.parseAddress("::");
        var sinkhole = new DnsDecision.BlockKind.Sinkhole(List.of(v4, v6), 30);

        assertThat(sinkhole.answerFor(query("ads.example", DnsType.A)))
                .containsExactly(DnsRecord.address("ads.example", 30, v4));
        assertThat(sinkhole.answerFor(query("ads.example", DnsType.AAAA)))
                .containsExactly(DnsRecord.address("ads.example", 30, v6));
        assertThat(sinkhole.answerFor(query("ads.example", DnsType.TXT))).isEmpty();
        assertThat(new DnsDecision.BlockKind.Sinkhole(List.of(v4), 30).answerFor(query("ads.example", DnsType.AAAA)))
                .isEmpty();
        assertThatThrownBy(() -> DnsDecision.sinkhole()).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void queryKnowsItsSplitDnsDomain() {
        DnsQuery q = query("Git.Corp.Example.", DnsType.A);
        assertThat(q.name()).isEqualTo("git.corp.example");
        assertThat(q.isWithin("corp.example")).isTrue();
        assertThat(q.isWithin("rp.example")).isFalse();
        assertThatThrownBy(() -> new DnsQuery(0, "x", DnsType.A, DnsClass.IN, null,
                Endpoint.parse("127.0.0.1:5353"), null, DnsTransport.UDP)).hasMessageContaining("flow id");
    }

    @Test
    void ednsClampsPayloadSizeAndValidatesScope() {
        assertThat(new Edns(100, false, null).udpPayloadSize()).isEqualTo(512);
        var ecs = new Edns.ClientSubnet(IpPrefix.parse("198.51.100.77/24"), 0);
        assertThat(ecs.source()).isEqualTo(IpPrefix.parse("198.51.100.0/24"));
        assertThatThrownBy(() -> new Edns.ClientSubnet(IpPrefix.parse("198.51.100.0/24"), 33))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void messageCopiesBytesAndReadsTheId() {
        var buf = java.nio.ByteBuffer.wrap(hex("abcd 0100 0001 0000 0000 0000"));
        var m = new DnsMessage(buf, Endpoint.parse("[::1]:53"));
        buf.put(0, (byte) 0);
        assertThat(m.id()).isEqualTo(0xabcd);
        assertThat(m.bytes().isReadOnly()).isTrue();
        assertThatThrownBy(() -> new DnsMessage(java.nio.ByteBuffer.allocate(5), Endpoint.parse("[::1]:53")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static DnsQuery query(String name, DnsType type) {
        return new DnsQuery(1, name, type, DnsClass.IN, Optional.empty(), Endpoint.parse("127.0.0.1:40000"), null,
                DnsTransport.UDP);
    }
}
