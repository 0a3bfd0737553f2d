package dev.netext.daemon.profile;

import dev.netext.api.dns.DnsDecision;
import dev.netext.daemon.dns.ListFiles;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.flow.rules.FlowRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static dev.netext.daemon.profile.ProfileLoaderTest.errors;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code lists:} and the {@code dns:} / {@code filter:} rules that name a list. */
class ListsSectionTest {
    @TempDir
    Path dir;

    @Test
    void rulesReferToDeclaredLists() throws Exception {
        Path ads = Files.writeString(dir.resolve("ads.hosts"), "0.0.0.0 ads.example\n192.0.2.0/24\n");
        Profile p = new ProfileLoader().parse("""
                lists:
                  ads: %s
                dns:
                  rules:
                    - { domains: [corp.example], server: system }
                    - { list: ads, action: block }
                    - { list: ads, action: sinkhole }
                filter:
                  rules:
                    - { list: ads, action: drop }
                """.formatted(ads), Path.of("p.yaml"));
        DnsSection d = p.dns().orElseThrow();
        assertThat(d.lists()).extracting(DnsListRule::list).containsExactly("ads", "ads");
        assertThat(d.lists().get(0).decision()).isEqualTo(DnsDecision.nxdomain());
        assertThat(d.lists().get(1).decision()).isInstanceOf(DnsDecision.Block.class);
        assertThat(d.lists().get(0).file()).isEqualTo(ads);
        assertThat(p.describe()).contains("list:ads (" + ads + ")→block");
        FlowRule rule = p.filter().orElseThrow().rules().getFirst();
        assertThat(rule.list()).isEqualTo(new ProfileList("ads", ads));

        // bound to the loaded list: the flow's host name, or its remote address for a CIDR entry
        FlowRule bound = ListFiles.bindFlowRules(List.of(rule)).getFirst();
        assertThat(bound.matches(flow("ads.example", "198.51.100.1"))).isTrue();
        assertThat(bound.matches(flow("sub.ads.example", "198.51.100.1"))).as("hosts entries are exact").isFalse();
        assertThat(bound.matches(flow(null, "192.0.2.9"))).isTrue();
        assertThat(bound.matches(flow("other.example", "198.51.100.1"))).isFalse();
    }

    @Test
    void unknownListsAndBadRulesAreReportedWithTheirLines() throws Exception {
        Path ads = Files.writeString(dir.resolve("ads.txt"), "ads.example\n");
        List<String> e = errors("""
                lists:
                  ads: %s
                  gone: /nonexistent/list.txt
                  rel: lists/x.txt
                dns:
                  rules:
                    - { list: adz, action: block }
                    - { list: ads, server: system }
                    - { list: ads, action: forward }
                filter:
                  rules:
                    - { list: sads, action: drop }
                """.formatted(ads));
        assertThat(e).anySatisfy(s -> assertThat(s).isEqualTo("profile.yaml:3: lists.gone: '/nonexistent/list.txt': no readable file"));
        assertThat(e).anySatisfy(s -> assertThat(s).startsWith("profile.yaml:4: lists.rel:").contains("absolute path"));
        assertThat(e).anySatisfy(s -> assertThat(s).isEqualTo("profile.yaml:7: dns.rules[0].list: 'adz' is not a declared list (did you mean 'ads'?) (declared: ads)"));
        assertThat(e).anySatisfy(s -> assertThat(s).startsWith("profile.yaml:8: dns.rules[1].server:").contains("list rule blocks"));
        assertThat(e).anySatisfy(s -> assertThat(s).startsWith("profile.yaml:9: dns.rules[2].action:").contains("expected block, refused or sinkhole"));
        assertThat(e).anySatisfy(s -> assertThat(s).startsWith("profile.yaml:12: filter.rules[0].list: 'sads' is not a declared list (did you mean 'ads'?)"));
    }

    @Test
    void aRuleNamingAListWithoutListsSaysWhereToDeclareIt() {
        List<String> e = errors("""
                filter:
                  rules:
                    - { list: ads, action: drop }
                """);
        assertThat(e).anySatisfy(s -> assertThat(s).startsWith("profile.yaml:3: filter.rules[0].list: 'ads' is not a declared list; declare it under lists:"));
    }

    static Flow flow(String host, String remote) {
        return new TcpFlow(7, Direction.OUTBOUND, Endpoint.parse("10.0.0.1:40000"), Endpoint.parse(remote + ":443"),
                ProcessInfo.UNKNOWN, host == null ? Optional.empty() : Optional.of(new HostnameInfo(host, HostnameInfo.Source.TLS_SNI)),
                Optional.empty(), Instant.EPOCH);
    }
}
