package dev.netext.dns.lists;

import dev.netext.dns.wire.Names;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each list format, its semantics (exact or subtree), and junk lines counted with their numbers. */
class ListParserTest {

    static boolean wire(BlockList l, String name) {
        byte[] w = Names.encode(name);
        return l.names().containsWire(w, 0, w.length);
    }

    @Test
    void hostsFileEntriesAreExactNamesAndLocalhostIsSkipped() {
        BlockList l = BlockList.parse("h", """
                # StevenBlack-style header
                127.0.0.1 localhost
                127.0.0.1 localhost.localdomain
                ::1 ip6-localhost ip6-loopback
                0.0.0.0 ads.example   # trailing comment
                0.0.0.0\tTracker.Example.  metrics.example
                0.0.0.0 bad_name!.example
                """);
        assertThat(l.containsName("ads.example")).isTrue();
        assertThat(l.containsName("ADS.example.")).isTrue();
        assertThat(l.containsName("tracker.example")).isTrue();
        assertThat(l.containsName("metrics.example")).isTrue();
        assertThat(l.containsName("sub.ads.example")).as("hosts entries are exact").isFalse();
        assertThat(wire(l, "sub.ads.example")).isFalse();
        assertThat(wire(l, "Ads.Example")).isTrue();
        assertThat(l.containsName("example")).isFalse();
        assertThat(l.containsName("localhost")).isFalse();
        ListReport r = l.report();
        assertThat(r.lines()).isEqualTo(7);
        assertThat(r.names()).isEqualTo(3);
        assertThat(r.comments()).isEqualTo(1);
        assertThat(r.skipped()).isEqualTo(3);
        assertThat(r.junk()).isEqualTo(1);
        assertThat(r.firstJunk()).containsExactly(7);
        assertThat(r.summary()).contains("3 names").contains("1 junk: line 7");
    }

    @Test
    void plainDomainsCoverTheirSubdomains() {
        BlockList l = BlockList.parse("d", """
                ads.example
                *.track.example
                cdn.example.
                not a domain line at all
                -
                """);
        assertThat(l.containsName("ads.example")).isTrue();
        assertThat(l.containsName("a.b.ads.example")).isTrue();
        assertThat(wire(l, "x.ads.example")).isTrue();
        assertThat(l.containsName("track.example")).isTrue();
        assertThat(l.containsName("x.track.example")).isTrue();
        assertThat(l.containsName("cdn.example")).isTrue();
        assertThat(l.containsName("badads.example")).as("whole labels only").isFalse();
        assertThat(wire(l, "badads.example")).isFalse();
        assertThat(l.containsName("example")).isFalse();
        assertThat(l.report().junk()).isEqualTo(2);
        assertThat(l.report().firstJunk()).containsExactly(4, 5);
    }

    @Test
    void adblockDomainRulesCoverSubdomainsAndOtherRulesAreJunk() {
        BlockList l = BlockList.parse("a", """
                [Adblock Plus 2.0]
                ! Title: test
                ||ads.example^
                ||important.example^$important
                ||third.example^$third-party
                @@||allowed.example^
                example.com##.banner
                /ads[0-9]+/
                ||*.wild.example^
                """);
        assertThat(l.containsName("ads.example")).isTrue();
        assertThat(l.containsName("x.ads.example")).isTrue();
        assertThat(l.containsName("important.example")).isTrue();
        assertThat(l.containsName("third.example")).isFalse();
        assertThat(l.containsName("allowed.example")).isFalse();
        assertThat(l.containsName("example.com")).isFalse();
        assertThat(l.report().comments()).isEqualTo(2);
        assertThat(l.report().junk()).isEqualTo(5);
        assertThat(l.report().firstJunk()).containsExactly(5, 6, 7, 8, 9);
    }

    @Test
    void cidrLinesAreAddressesNotNames() throws Exception {
        BlockList l = BlockList.parse("c", """
                192.0.2.0/24
                198.51.100.7
                2001:db8::/32
                10.0.0.0/33
                """);
        assertThat(l.containsAddress(InetAddress.getByName("192.0.2.200"))).isTrue();
        assertThat(l.containsAddress(InetAddress.getByName("192.0.3.1"))).isFalse();
        assertThat(l.containsAddress(InetAddress.getByName("198.51.100.7"))).isTrue();
        assertThat(l.containsAddress(InetAddress.getByName("198.51.100.8"))).isFalse();
        assertThat(l.containsAddress(InetAddress.getByName("2001:db8:1::5"))).isTrue();
        assertThat(l.containsAddress(InetAddress.getByName("2001:db9::1"))).isFalse();
        assertThat(l.names().size()).isZero();
        assertThat(l.report().prefixes()).isEqualTo(3);
        assertThat(l.report().firstJunk()).containsExactly(4);
    }

    @Test
    void onlyTheFirstFewJunkLinesAreNamed() {
        BlockList l = BlockList.parse("j", "!!!\n".replace("!!!", "%%") .repeat(9));
        assertThat(l.report().junk()).isEqualTo(9);
        assertThat(l.report().firstJunk()).containsExactly(1, 2, 3, 4, 5);
        assertThat(l.report().summary()).endsWith("…)");
    }

    @Test
    void aMillionNamesAllFoundAndOthersNot() {
        DomainSet.Builder b = new DomainSet.Builder();
        for (int i = 0; i < 200_000; i++) b.add("host" + i + ".block.example", i % 2 == 0);
        DomainSet s = b.build();
        assertThat(s.size()).isEqualTo(200_000);
        assertThat(s.bytes() / s.size()).isLessThanOrEqualTo(18);
        for (int i = 0; i < 200_000; i++) {
            assertThat(s.containsName("host" + i + ".block.example")).isTrue();
            assertThat(s.containsName("x.host" + i + ".block.example")).isEqualTo(i % 2 == 0);
            assertThat(s.containsName("host" + i + ".other.example")).isFalse();
        }
    }

    @Test
    void duplicatesMergeAndSubtreeWins() {
        DomainSet s = new DomainSet.Builder().add("a.example", false).add("A.example", true).add("a.example", false).build();
        assertThat(s.size()).isEqualTo(1);
        assertThat(s.containsName("x.a.example")).isTrue();
    }

    @Test
    void closingUnmapsTheTableAndALookupAfterItFailsInsteadOfReadingFreedMemory() {
        DomainSet s = new DomainSet.Builder().add("a.example", false).build();
        assertThat(s.isOpen()).isTrue();
        s.close();
        s.close(); // idempotent
        assertThat(s.isOpen()).isFalse();
        assertThatThrownBy(() -> s.containsName("a.example")).isInstanceOf(IllegalStateException.class);
        assertThat(DomainSet.EMPTY.containsName("a.example")).isFalse();
    }
}
