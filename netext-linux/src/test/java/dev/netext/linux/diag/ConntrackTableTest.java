package dev.netext.linux.diag;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Lines as this kernel's {@code /proc/net/nf_conntrack} prints them. */
class ConntrackTableTest {
    @Test
    void tcpEntryGivesItsOriginalTupleAndState() {
        var e = ConntrackTable.parse("ipv4     2 tcp      6 117 TIME_WAIT src=10.81.1.2 dst=10.81.2.2 sport=40312 "
                + "dport=80 src=10.81.2.2 dst=10.81.1.2 sport=80 dport=40312 [ASSURED] mark=536870912 zone=0 use=2").orElseThrow();
        assertThat(e.protocol()).isEqualTo("tcp");
        assertThat(e.source()).isEqualTo(new InetSocketAddress("10.81.1.2", 40312));
        assertThat(e.destination()).isEqualTo(new InetSocketAddress("10.81.2.2", 80));
        assertThat(e.tcpState()).isEqualTo("TIME_WAIT");
        assertThat(e.closed()).isTrue();
        assertThat(e.counters()).as("accounting was off").isEmpty();
        assertThat(ConntrackTable.parse("ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 "
                + "dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 [ASSURED] mark=0 use=1").orElseThrow().closed()).isFalse();
    }

    private static final String UNREPLIED_V6 = "ipv6     10 udp      17 29 src=fd81:0001:0000:0000:0000:0000:0000:0002 "
            + "dst=fd81:0002:0000:0000:0000:0000:0000:0002 sport=51000 dport=7 [UNREPLIED] "
            + "src=fd81:0002:0000:0000:0000:0000:0000:0002 dst=fd81:0001:0000:0000:0000:0000:0000:0002 sport=7 "
            + "dport=51000 mark=0 zone=0 use=2";

    @Test
    void udpV6EntryHasNoStateAndFullLengthAddresses() {
        var e = ConntrackTable.parse(UNREPLIED_V6).orElseThrow();
        assertThat(e.protocol()).isEqualTo("udp");
        assertThat(e.source()).isEqualTo(new InetSocketAddress("fd81:1::2", 51000));
        assertThat(e.destination()).isEqualTo(new InetSocketAddress("fd81:2::2", 7));
        assertThat(e.tcpState()).isNull();
        assertThat(e.counters()).isEmpty();
    }

    @Test
    void countersOfBothDirectionsFollowTheirTuples() {
        var e = ConntrackTable.parse("ipv4     2 tcp      6 431999 ESTABLISHED src=10.84.1.2 dst=10.84.2.2 sport=40312 "
                + "dport=80 packets=2931 bytes=152468 src=10.84.2.2 dst=10.84.1.2 sport=80 dport=40312 packets=5797 "
                + "bytes=8689172 [ASSURED] mark=536870912 zone=0 use=2").orElseThrow();
        assertThat(e.source()).isEqualTo(new InetSocketAddress("10.84.1.2", 40312));
        assertThat(e.counters()).contains(new ConntrackTable.Counters(2931, 152468, 5797, 8689172));
    }

    @Test
    void countersOfAnUnrepliedV6UdpEntryAndAZonedOne() {
        var udp = ConntrackTable.parse(UNREPLIED_V6.replace(" [UNREPLIED]", " packets=3 bytes=180 [UNREPLIED]")
                .replace(" mark=0", " packets=0 bytes=0 mark=0")).orElseThrow();
        assertThat(udp.destination()).isEqualTo(new InetSocketAddress("fd81:2::2", 7));
        assertThat(udp.counters()).contains(new ConntrackTable.Counters(3, 180, 0, 0));
        var zoned = ConntrackTable.parse("ipv4     2 udp      17 170 src=10.0.0.1 dst=10.0.0.2 sport=5000 dport=53 "
                + "zone-orig=4 packets=1 bytes=60 src=10.0.0.2 dst=10.0.0.1 sport=53 dport=5000 zone-reply=4 packets=1 "
                + "bytes=120 [ASSURED] mark=0 use=1").orElseThrow();
        assertThat(zoned.counters()).contains(new ConntrackTable.Counters(1, 60, 1, 120));
    }

    @Test
    void brokenOrHalfCountersAreNone() {
        String head = "ipv4     2 tcp      6 100 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 ";
        assertThat(ConntrackTable.parse(head + "packets=1 bytes=60 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 mark=0 use=1")
                .orElseThrow().counters()).as("the reply's missing").isEmpty();
        assertThat(ConntrackTable.parse(head + "packets=x bytes=60 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 packets=1 "
                + "bytes=60 mark=0 use=1").orElseThrow().counters()).isEmpty();
        assertThat(ConntrackTable.parse(head + "packets=1 bytes=-60 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 packets=1 "
                + "bytes=60 mark=0 use=1").orElseThrow().counters()).isEmpty();
        assertThat(ConntrackTable.parse("packets=1 bytes=2 packets=3 bytes=4 junk junk junk junk")).isEmpty();
    }

    @Test
    void entriesWithoutPortsAndGarbageAreSkipped() {
        assertThat(ConntrackTable.parse("ipv4     2 icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 "
                + "src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7 mark=0 use=1")).isEmpty();
        assertThat(ConntrackTable.parse("")).isEmpty();
        assertThat(ConntrackTable.parse("ipv4 2 tcp 6 1 ESTABLISHED src=x dst=y sport=a dport=b more more")).isEmpty();
    }
}
