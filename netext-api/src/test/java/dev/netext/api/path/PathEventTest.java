package dev.netext.api.path;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Path events printed for people, not as record dumps (issue 11, defect 7). */
class PathEventTest {
    @Test
    void describesEachEventInWords() {
        assertThat(new PathEvent.LinkChanged(5, "eth0", true, true, 1500, false).describe())
                .isEqualTo("link 5 (eth0) changed: up, running, mtu 1500");
        assertThat(new PathEvent.LinkChanged(5, "eth0", false, false, 1500, false).describe())
                .isEqualTo("link 5 (eth0) changed: down, no carrier, mtu 1500");
        assertThat(new PathEvent.LinkChanged(7, "veth1", false, false, 1500, true).describe()).isEqualTo("link 7 (veth1) removed");
        assertThat(new PathEvent.AddressChanged(5, "eth0", IpPrefix.parse("10.0.0.2/24"), false).describe())
                .isEqualTo("address 10.0.0.2/24 added to link 5 (eth0)");
        assertThat(new PathEvent.AddressChanged(5, "", IpPrefix.parse("fd00::2/64"), true).describe())
                .isEqualTo("address fd00::2/64 removed from link 5");
        assertThat(new PathEvent.DefaultRouteChanged(IpFamily.V4, IpPrefix.parseAddress("10.0.0.1"), 5, "eth0", false).describe())
                .isEqualTo("IPv4 default route via 10.0.0.1 on link 5 (eth0)");
        assertThat(new PathEvent.DefaultRouteChanged(IpFamily.V6, null, 5, "eth0", true).describe())
                .isEqualTo("IPv6 default route on link 5 (eth0) removed");
    }
}
