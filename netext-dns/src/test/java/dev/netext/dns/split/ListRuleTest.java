package dev.netext.dns.split;

import dev.netext.api.dns.DnsDecision;
import dev.netext.dns.lists.BlockList;
import dev.netext.dns.lists.WatchedList;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Block lists in the split-DNS provider: after the domain rules, before the default, in order. */
class ListRuleTest {
    @Test
    void listsComeAfterDomainRulesAndBeforeTheDefault() {
        SplitDnsProvider p = new SplitDnsProvider(List.of(new SplitRule("ok.ads.example", DnsDecision.forward("corp"), "profile")), "public");
        WatchedList ads = WatchedList.fixed(BlockList.parse("ads", "ads.example\n"));
        WatchedList more = WatchedList.fixed(BlockList.parse("more", "0.0.0.0 tracker.example\n0.0.0.0 x.ads.example\n"));
        p.setLists(List.of(new ListRule(ads, DnsDecision.nxdomain()), new ListRule(more, DnsDecision.refused())));

        assertThat(p.match("x.ads.example").label()).isEqualTo("list:ads→block");
        assertThat(p.match("x.ads.example").decision()).isEqualTo(DnsDecision.nxdomain());
        assertThat(p.match("ok.ads.example").label()).as("a domains rule wins").isEqualTo("ok.ads.example→corp");
        assertThat(p.match("tracker.example").decision()).isEqualTo(DnsDecision.refused());
        assertThat(p.match("sub.tracker.example").label()).as("hosts entries are exact").isEqualTo("*→public");
        assertThat(p.match("www.example").label()).isEqualTo("*→public");
        assertThat(p.lists()).extracting(r -> r.list().name()).containsExactly("ads", "more");
    }

    @Test
    void aListRuleOnlyBlocks() {
        WatchedList l = WatchedList.fixed(BlockList.parse("l", "a.example\n"));
        assertThatThrownBy(() -> new ListRule(l, DnsDecision.forward("corp"))).isInstanceOf(IllegalArgumentException.class);
    }
}
