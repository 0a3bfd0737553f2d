package dev.netext.linux.tproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TproxyRulesetTest {

    @Test
    void everythingScopeMarksAllTcpAndSkipsBypassAndLocal() {
        String s = TproxyRuleset.render(InterceptionConfig.of(4000, 4001, InterceptionConfig.Scope.ALL));
        assertThat(s).startsWith("table inet netext-flow {");
        List<String> lines = s.lines().map(String::strip).toList();
        int bypass = lines.indexOf("meta mark 0x4e580f02 return");
        int local = lines.indexOf("fib daddr type local return");
        int mark = lines.indexOf("meta l4proto tcp meta mark set 0x4e580f01");
        assertThat(bypass).isPositive().isLessThan(local);
        assertThat(local).isLessThan(mark); // skips come before the mark, or netext would loop
        assertThat(s).contains("iifname \"lo\" meta mark 0x4e580f01 meta nfproto ipv4 meta l4proto tcp tproxy ip to 127.0.0.1:4000")
                .contains("iifname \"lo\" meta mark 0x4e580f01 meta nfproto ipv6 meta l4proto tcp tproxy ip6 to [::1]:4001");
    }

    @Test
    void scopeSelectorsBecomeOneMarkRuleEach() {
        var scope = new InterceptionConfig.Scope(List.of(1000L, 1001L), List.of(50L), List.of("user.slice/app.slice"), List.of(0L));
        String s = TproxyRuleset.render(InterceptionConfig.of(4000, 0, scope));
        assertThat(s).contains("meta skuid 0 return")
                .contains("meta l4proto tcp meta skuid { 1000, 1001 } meta mark set 0x4e580f01")
                .contains("meta l4proto tcp meta skgid 50 meta mark set 0x4e580f01")
                .contains("meta l4proto tcp socket cgroupv2 level 2 \"user.slice/app.slice\" meta mark set 0x4e580f01")
                .doesNotContain("ip6 to");
    }

    @Test
    void badConfigsAreRefused() {
        assertThatThrownBy(() -> InterceptionConfig.of(0, 0, null)).hasMessageContaining("no listener");
        assertThatThrownBy(() -> new InterceptionConfig.Scope(null, null, List.of("a\"; drop"), null))
                .hasMessageContaining("bad cgroup");
        assertThatThrownBy(() -> new InterceptionConfig.Scope(null, null, List.of("../x"), null)).hasMessageContaining("bad cgroup");
        assertThatThrownBy(() -> new InterceptionConfig(1, 0, 5, 5, 100, 1, null)).hasMessageContaining("differ");
        assertThatThrownBy(() -> new InterceptionConfig(1, 0, 5, 6, 254, 1, null)).hasMessageContaining("reserved");
    }
}
