package dev.netext.dns.split;

import dev.netext.api.dns.DnsDecision;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SplitDnsProviderTest {
    static SplitRule fwd(String d, String g) { return new SplitRule(d, DnsDecision.forward(g), "t"); }

    final SplitDnsProvider p = new SplitDnsProvider(List.of(fwd("mycompany.com", "corp"), fwd("foo.mycompany.com", "foo"),
            new SplitRule("ads.test", DnsDecision.nxdomain(), "t")), "public");

    @Test
    void longestSuffixOnWholeLabelsWins() {
        assertThat(p.match("a.b.foo.mycompany.com").label()).isEqualTo("foo.mycompany.com→foo");
        assertThat(p.match("FOO.MyCompany.com.").label()).isEqualTo("foo.mycompany.com→foo");
        assertThat(p.match("bar.mycompany.com").label()).isEqualTo("mycompany.com→corp");
        assertThat(p.match("xfoo.mycompany.com").label()).isEqualTo("mycompany.com→corp");
        assertThat(p.match("notmycompany.com").label()).isEqualTo("*→public");
        assertThat(p.match("com").label()).isEqualTo("*→public");
        assertThat(p.match("").label()).isEqualTo("*→public");
        assertThat(p.match("x.ads.test").decision()).isEqualTo(DnsDecision.nxdomain());
    }

    @Test
    void laterSourcesWinAndGoAway() {
        AtomicInteger changes = new AtomicInteger();
        p.onChange(changes::incrementAndGet);
        p.setRules("tunnel:wg0", List.of(fwd("foo.mycompany.com", "tunnel:wg0"), fwd("", "tunnel:wg0")));
        assertThat(p.match("a.foo.mycompany.com").label()).isEqualTo("foo.mycompany.com→tunnel:wg0");
        assertThat(p.match("www.example").label()).isEqualTo("*→tunnel:wg0");
        assertThat(p.match("bar.mycompany.com").label()).isEqualTo("mycompany.com→corp");
        p.removeRules("tunnel:wg0");
        assertThat(p.match("a.foo.mycompany.com").label()).isEqualTo("foo.mycompany.com→foo");
        assertThat(p.match("www.example").label()).isEqualTo("*→public");
        assertThat(changes).hasValue(2);
    }

    @Test
    void manyRules() {
        List<SplitRule> rules = new java.util.ArrayList<>();
        for (int i = 0; i < 5000; i++) rules.add(fwd("d" + i + ".example", "g" + i));
        SplitDnsProvider big = new SplitDnsProvider(rules, "public");
        assertThat(big.match("x.d4321.example").label()).isEqualTo("d4321.example→g4321");
        assertThat(big.match("x.e4321.example").label()).isEqualTo("*→public");
    }

    @Test
    void rulesMustDecide() {
        assertThatThrownBy(() -> new SplitRule("a.b", DnsDecision.defaultResolution(), "t")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SplitRule("a..b", DnsDecision.nxdomain(), "t")).isInstanceOf(IllegalArgumentException.class);
    }
}
