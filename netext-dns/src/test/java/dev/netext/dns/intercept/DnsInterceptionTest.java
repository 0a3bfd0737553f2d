package dev.netext.dns.intercept;

import dev.netext.linux.sys.HostPackages;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DnsInterceptionTest {
    private static final int MARK = DnsInterception.DEFAULT_MARK;

    @Test
    void redirectsBothFamiliesToTheLoopbackListenersAndSkipsTheMark() {
        String r = DnsInterception.ruleset(List.of(new InetSocketAddress("127.0.0.1", 5353), new InetSocketAddress("::1", 5354)), MARK);
        assertThat(r).contains("table inet netext-dns {").contains("type nat hook output priority -100; policy accept;")
                .contains("meta mark 0x4e580035 return")
                .contains("meta nfproto ipv4 meta l4proto { udp, tcp } th dport 53 redirect to :5353")
                .contains("meta nfproto ipv6 meta l4proto { udp, tcp } th dport 53 redirect to :5354");
        assertThat(r.indexOf("return")).isLessThan(r.indexOf("redirect"));
    }

    @Test
    void ipv4OnlyWithoutAnIpv6LoopbackListenerAndRefusesWithoutALoopbackOne() {
        String r = DnsInterception.ruleset(List.of(new InetSocketAddress("0.0.0.0", 53), new InetSocketAddress("10.0.0.1", 53)), MARK);
        assertThat(r).contains("redirect to :53").doesNotContain("ipv6");
        assertThatThrownBy(() -> DnsInterception.ruleset(List.of(new InetSocketAddress("10.0.0.1", 53)), MARK))
                .hasMessageContaining("127.0.0.1");
        assertThatThrownBy(() -> DnsInterception.ruleset(List.of(new InetSocketAddress("127.0.0.1", 53)), 0))
                .hasMessageContaining("mark");
    }

    /** nft itself accepts the ruleset ({@code -c}: check only, nothing is applied). */
    @Test
    void nftAcceptsTheRuleset() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "nft -c needs root");
        HostPackages.require("nft");
        String r = DnsInterception.ruleset(List.of(new InetSocketAddress("127.0.0.1", 5353), new InetSocketAddress("::1", 5353)), MARK);
        Process p = new ProcessBuilder("nft", "-c", "-f", "-").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) { in.write(r.getBytes(StandardCharsets.UTF_8)); }
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }
}
