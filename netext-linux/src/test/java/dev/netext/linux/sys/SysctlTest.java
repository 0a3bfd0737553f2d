package dev.netext.linux.sys;

import dev.netext.linux.Root;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SysctlTest {
    @Test
    void mapsDottedAndSlashedNames() {
        assertThat(Sysctl.path("net.ipv4.conf.all.rp_filter")).isEqualTo(Path.of("/proc/sys/net/ipv4/conf/all/rp_filter"));
        assertThat(Sysctl.path("net/ipv4/conf/all/rp_filter")).isEqualTo(Path.of("/proc/sys/net/ipv4/conf/all/rp_filter"));
        assertThat(Sysctl.path("net/ipv4/conf/eth0.100/forwarding"))
                .as("slashed form keeps the dot of a VLAN interface name")
                .isEqualTo(Path.of("/proc/sys/net/ipv4/conf/eth0.100/forwarding"));
        assertThat(Sysctl.path("/proc/sys/net/ipv6/conf/all/forwarding")).isEqualTo(Path.of("/proc/sys/net/ipv6/conf/all/forwarding"));
    }

    @Test
    void rejectsNamesThatLeaveProcSys() {
        for (String bad : new String[] {"", "net/../../etc/passwd", "net..ipv4", "net.ipv4 x", "net/ipv4/;rm"}) {
            assertThatThrownBy(() -> Sysctl.path(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void readsValues() throws Exception {
        assertThat(Sysctl.get("kernel.ostype")).isEqualTo("Linux");
        assertThat(Sysctl.getInt("net.ipv4.ip_forward")).isBetween(0, 1);
        assertThat(Sysctl.exists("net.ipv4.ip_forward")).isTrue();
        assertThat(Sysctl.exists("net.ipv4.no_such_knob")).isFalse();
    }

    @Test
    void writesInsideANamespaceWithoutTouchingTheHost() throws Exception {
        Root.assumeRoot();
        String hostForward = Sysctl.get("net.ipv4.ip_forward");
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("sysctl");
            lab.veth("sysctl", "v.100", null, "sysctl", "w.100", null);
            String inside = ns.runInside(() -> {
                Sysctl.set("net.ipv4.ip_forward", hostForward.equals("1") ? 0 : 1);
                Sysctl.set("net/ipv4/conf/v.100/rp_filter", 2);
                return Sysctl.get("net.ipv4.ip_forward");
            });
            assertThat(inside).isNotEqualTo(hostForward);
            assertThat(ns.run("sysctl", "-n", "net.ipv4.ip_forward").orThrow().output().strip()).isEqualTo(inside);
            assertThat(ns.sysctl("net/ipv4/conf/v.100/rp_filter")).isEqualTo("2");
            assertThat(Sysctl.get("net.ipv4.ip_forward")).as("host value").isEqualTo(hostForward);
            assertThatThrownBy(() -> ns.setSysctl("net.ipv4.ip_forward", "banana")).hasMessageContaining("net.ipv4.ip_forward");
        }
    }
}
