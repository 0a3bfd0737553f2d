package dev.netext.linux.resolver;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The busctl calls that give a tunnel's link its DNS in systemd-resolved, argument by argument as busctl(1) reads
 * them (arrays: count, then items; {@code ay}: count, then bytes; AF_INET 2, AF_INET6 10).
 */
class ResolvedLinksTest {
    @Test
    void resolvedCallsSplitOrTakeEveryName() throws Exception {
        var v4 = InetAddress.getByName("10.9.0.2");
        var v6 = InetAddress.getByName("fd00::53");
        List<List<String>> split = ResolvedLinks.applyCalls(7, List.of(v4, v6), List.of("lan.example"), List.of("corp.example"));
        String prefix = "busctl --system call org.freedesktop.resolve1 /org/freedesktop/resolve1 org.freedesktop.resolve1.Manager ";
        assertThat(split.stream().map(c -> String.join(" ", c)).toList()).containsExactly(
                prefix + "SetLinkDNS ia(iay) 7 2 2 4 10 9 0 2 10 16 253 0 0 0 0 0 0 0 0 0 0 0 0 0 0 83",
                prefix + "SetLinkDomains ia(sb) 7 2 lan.example false corp.example true",
                prefix + "SetLinkDefaultRoute ib 7 false");
        List<List<String>> all = ResolvedLinks.applyCalls(7, List.of(v4), List.of(), List.of());
        assertThat(String.join(" ", all.get(1))).endsWith("SetLinkDomains ia(sb) 7 1 . true");
        assertThat(String.join(" ", all.get(2))).endsWith("SetLinkDefaultRoute ib 7 true");
        assertThat(String.join(" ", ResolvedLinks.revertCall(7))).isEqualTo(prefix + "RevertLink i 7");
    }
}
