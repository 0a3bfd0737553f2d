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
        assertThat(ConntrackTable.parse("ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=1 "
                + "dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 [ASSURED] mark=0 use=1").orElseThrow().closed()).isFalse();
    }

    @Test
    void udpV6EntryHasNoStateAndFullLengthAddresses() {
        var e = ConntrackTable.parse("ipv6     10 udp      17 29 src=fd81:0001:0000:0000:0000:0000:0000:0002 "
                + "dst=fd81:0002:0000:0000:0000:0000:0000:0002 sport=51000 dport=7 [UNREPLIED] "
                + "src=fd81:0002:0000:0000:0000:0000:0000:0002 dst=fd81:0001:0000:0000:0000:0000:0000:0002 sport=7 "
                + "dport=51000 mark=0 zone=0 use=2").orElseThrow();
        assertThat(e.protocol()).isEqualTo("udp");
        assertThat(e.source()).isEqualTo(new InetSocketAddress("fd81:1::2", 51000));
        assertThat(e.destination()).isEqualTo(new InetSocketAddress("fd81:2::2", 7));
        assertThat(e.tcpState()).isNull();
    }

    @Test
    void entriesWithoutPortsAndGarbageAreSkipped() {
        assertThat(ConntrackTable.parse("ipv4     2 icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 "
                + "src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7 mark=0 use=1")).isEmpty();
        assertThat(ConntrackTable.parse("")).isEmpty();
        assertThat(ConntrackTable.parse("ipv4 2 tcp 6 1 ESTABLISHED src=x dst=y sport=a dport=b more more")).isEmpty();
    }
}
