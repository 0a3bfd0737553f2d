package dev.netext.daemon.profile;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.PortRange;
import dev.netext.api.net.IpPrefix;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class FilterSectionTest {
    private static final Path FILE = Path.of("/etc/netext/flows.yaml");
    private static final String CONTRACT = """
            filter:
              rules:
                - { host: "*.blocked.test", action: drop }
                - { process: /usr/bin/wget, action: drop }
                - { cidr: 203.0.113.0/24, port: 443, action: prompt }
              default: allow
              prompt-timeout: 30s
              prompt-default: drop
            """;

    private static String errors(String yaml) {
        ProfileException e = catchThrowableOfType(ProfileException.class, () -> new ProfileLoader().parse(yaml, FILE));
        assertThat(e).as("expected a ProfileException for:\n" + yaml).isNotNull();
        return e.getMessage();
    }

    @Test
    void theIssuesFilterContractParses() throws Exception {
        Profile p = new ProfileLoader().parse(CONTRACT, FILE);
        FilterSection s = p.filter().orElseThrow();
        assertThat(s.provider()).isEqualTo("rules");
        assertThat(s.rules()).containsExactly(
                FlowRule.of(RuleAction.DROP).withHost("*.blocked.test"),
                FlowRule.of(RuleAction.DROP).withProcessPath(Path.of("/usr/bin/wget")),
                FlowRule.of(RuleAction.PROMPT).withCidr(IpPrefix.parse("203.0.113.0/24")).withPort(PortRange.of(443)));
        assertThat(s.defaultAction()).isEqualTo(RuleAction.ALLOW);
        assertThat(s.promptTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.promptDefault()).isEqualTo(FinalVerdict.DROP);
        assertThat(s.dropMode()).isEqualTo(DropMode.RESET);
        assertThat(s.scope().everything()).isTrue();
        assertThat(p.describe()).contains("filter: provider rules, 3 rule(s), default allow, prompt-timeout 30000 ms");
    }

    @Test
    void aCustomProviderTakesSettingsAndAFailureVerdict() throws Exception {
        FilterSection s = new ProfileLoader().parse("""
                filter:
                  provider: com.example.PortFilter
                  settings: { drop-port: 8081, names: [a, b] }
                  on-failure: drop
                  drop: silent
                """, FILE).filter().orElseThrow();
        assertThat(s.isRules()).isFalse();
        assertThat(s.provider()).isEqualTo("com.example.PortFilter");
        assertThat(s.settings()).containsEntry("drop-port", 8081).containsEntry("names", List.of("a", "b"));
        assertThat(s.onFailure()).isEqualTo(FinalVerdict.DROP_SILENTLY);
        assertThat(new ProfileLoader().parse("filter:\n  rules: [{ port: 22, action: drop }]\n", FILE).filter().orElseThrow()
                .onFailure()).isEqualTo(FinalVerdict.ALLOW);
    }

    @Test
    void scopeAndSilentDrops() throws Exception {
        FilterSection s = new ProfileLoader().parse("""
                filter:
                  rules: [{ process-name: curl, uid: 1000, cgroup: /user.slice, protocol: tcp, port: 1-1024, action: allow }]
                  default: drop
                  drop: silent
                  scope: { uids: [1000, 1001], cgroups: [user.slice/user-1000.slice], exclude-uids: [0] }
                """, FILE).filter().orElseThrow();
        assertThat(s.dropMode()).isEqualTo(DropMode.SILENT);
        assertThat(s.promptDefault()).isEqualTo(FinalVerdict.DROP_SILENTLY);
        assertThat(s.scope().uids()).containsExactly(1000L, 1001L);
        assertThat(s.scope().excludeUids()).containsExactly(0L);
        assertThat(s.rules().getFirst().port()).isEqualTo(new PortRange(1, 1024));
    }

    @Test
    void badFiltersNameFileLineAndKey() {
        assertThat(errors("filter:\n  rules: [{ host: \"a.*.test\", action: drop }]\n"))
                .contains("flows.yaml:2: filter.rules[0]").contains("leading label");
        assertThat(errors("filter:\n  rules: [{ action: drop }]\n")).contains("matches every flow");
        assertThat(errors("filter:\n  rules: [{ host: x.test, action: block }]\n")).contains("'block' is not allow, drop or prompt");
        assertThat(errors("filter:\n  prompt-timeout: 2h\n")).contains("filter.prompt-timeout");
        assertThat(errors("filter:\n  prompt-default: prompt\n")).contains("is not allow or drop");
        assertThat(errors("filter:\n  scope: { cgroups: [\"a\\\"; flush ruleset\"] }\n")).contains("bad cgroup");
        assertThat(errors("filter:\n  provider: com.example.Mine\n  rules: [{ port: 22, action: drop }]\n"))
                .contains("flows.yaml:3: filter.rules").contains("belongs to the built-in rules filter");
        assertThat(errors("filter:\n  settings: { a: 1 }\n")).contains("filter.settings").contains("takes no settings");
        assertThat(errors("filter:\n  provider: com.example.Mine\n  settings: [1]\n")).contains("expected a mapping");
        assertThat(errors("filter:\n  provider: \"com example\"\n")).contains("filter.provider").contains("neither a provider name");
        assertThat(errors("filter:\n  provider: com.example.Mine\n  on-failure: prompt\n")).contains("filter.on-failure");
        assertThat(errors("filter:\n  rulez: []\n")).contains("filter");
    }

    @Test
    void mutatedFilterSectionsGiveAProfileOrAProfileException() {
        Random r = new Random(99);
        int ok = 0, rejected = 0;
        for (int i = 0; i < 2000; i++) {
            String text = CONTRACT;
            for (int m = 1 + r.nextInt(3); m > 0; m--) text = ProfileLoaderFuzzTest.mutate(text, r);
            try {
                new ProfileLoader().parse(text, FILE);
                ok++;
            } catch (ProfileException e) {
                rejected++;
            }
        }
        assertThat(ok).isPositive();
        assertThat(rejected).isPositive();
    }

    @Test
    void udpIsOnByDefaultAndGatewayNamesInterfaces() throws Exception {
        FilterSection plain = new ProfileLoader().parse(CONTRACT, FILE).filter().orElseThrow();
        assertThat(plain.udp()).isTrue();
        assertThat(plain.gateway()).isEmpty();
        FilterSection s = new ProfileLoader().parse("""
                filter:
                  udp: false
                  gateway: [lan0, "br-lan.10"]
                """, FILE).filter().orElseThrow();
        assertThat(s.udp()).isFalse();
        assertThat(s.gateway()).containsExactly("lan0", "br-lan.10");
    }

    @Test
    void badGatewayAndUdpValuesAreNamedWithTheirLine() {
        assertThat(errors("""
                filter:
                  gateway: [lan0, "eth0\\"; flush ruleset"]
                """)).contains("filter.gateway[1]").contains("is not an interface name");
        assertThat(errors("""
                filter:
                  gateway: [an-interface-name-too-long]
                """)).contains("is not an interface name");
        assertThat(errors("""
                filter:
                  udp: "yes"
                """)).contains("filter.udp").contains("expected true or false");
    }

    @Test
    void mutatedCustomProviderSectionsGiveAProfileOrAProfileExceptionAlsoWhenResolved() {
        String custom = """
                filter:
                  provider: com.example.PortFilter
                  settings: { drop-port: 8081, hosts: [a.test, b.test], nested: { x: 1 } }
                  on-failure: drop
                  drop: silent
                  scope: { uids: [1000] }
                """;
        Random r = new Random(4242);
        int ok = 0, rejected = 0;
        try (var resolver = new dev.netext.daemon.plugin.ProviderResolver(java.util.Map.of(), List.of(), getClass().getClassLoader())) {
            ProfileLoader spelling = new ProfileLoader(), resolving = new ProfileLoader(resolver);
            for (int i = 0; i < 2000; i++) {
                String text = custom;
                for (int m = 1 + r.nextInt(3); m > 0; m--) text = ProfileLoaderFuzzTest.mutate(text, r);
                for (ProfileLoader loader : List.of(spelling, resolving)) {
                    try {
                        loader.parse(text, FILE);
                        ok++;
                    } catch (ProfileException e) {
                        assertThat(e.errors()).isNotEmpty().allMatch(err -> !err.reason().isBlank());
                        rejected++;
                    }
                }
            }
        }
        assertThat(ok).isPositive();
        assertThat(rejected).isPositive();
        // resolved: the class does not exist here, which is reported at the provider line
        assertThat(catchThrowableOfType(ProfileException.class, () -> new ProfileLoader(new dev.netext.daemon.plugin.ProviderResolver(
                java.util.Map.of(), List.of(), getClass().getClassLoader())).parse(custom, FILE)).getMessage())
                .contains("flows.yaml:2: filter.provider").contains("class 'com.example.PortFilter' not found");
    }

    @Test
    void inboundRulesSayDirectionInAndUnknownDirectionsAreRefused() throws Exception {
        FilterSection s = new ProfileLoader().parse("""
                filter:
                  rules:
                    - { direction: in, port: 8000, action: prompt }
                    - { direction: in, action: drop }
                    - { direction: out, port: 8000, action: drop }
                  default: drop
                """, FILE).filter().orElseThrow();
        assertThat(s.rules()).containsExactly(
                FlowRule.of(RuleAction.PROMPT).withDirection(Direction.INBOUND).withPort(PortRange.of(8000)),
                FlowRule.of(RuleAction.DROP).withDirection(Direction.INBOUND),
                FlowRule.of(RuleAction.DROP).withPort(PortRange.of(8000)));
        assertThat(s.judgesInbound()).isTrue();
        assertThat(s.inboundDefault()).isEqualTo(RuleAction.ALLOW);

        FilterSection outboundOnly = new ProfileLoader().parse("filter:\n  rules: [{ port: 22, action: drop }]\n  default: drop\n",
                FILE).filter().orElseThrow();
        assertThat(outboundOnly.judgesInbound()).as("no direction: in rule, inbound untouched").isFalse();
        assertThat(new ProfileLoader().parse("filter:\n  inbound-default: prompt\n", FILE).filter().orElseThrow()
                .judgesInbound()).isTrue();
        assertThat(new ProfileLoader().parse("filter:\n  provider: com.example.F\n  inbound: true\n", FILE).filter()
                .orElseThrow().judgesInbound()).isTrue();

        assertThat(errors("filter:\n  rules: [{ direction: both, port: 22, action: drop }]\n"))
                .contains("/etc/netext/flows.yaml:2:").contains("filter.rules[0].direction")
                .contains("'both' is neither in nor out");
        assertThat(errors("filter:\n  rules: [{ port: 22, action: drop }]\n  inbound: true\n"))
                .contains("inbound: is for a custom provider");
        assertThat(errors("filter:\n  rules: [{ action: drop }]\n")).contains("matches every flow");
    }

    @Test
    void fastPathIsTheDefaultAndCanBeTurnedOff() throws Exception {
        assertThat(new ProfileLoader().parse(CONTRACT, FILE).filter().orElseThrow().fastPath()).isTrue();
        Profile off = new ProfileLoader().parse(CONTRACT + "  fast-path: false\n", FILE);
        assertThat(off.filter().orElseThrow().fastPath()).isFalse();
        assertThat(errors(CONTRACT + "  fast-path: sometimes\n")).contains("fast-path");
    }
}
