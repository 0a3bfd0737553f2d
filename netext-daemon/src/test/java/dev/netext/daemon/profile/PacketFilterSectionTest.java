package dev.netext.daemon.profile;

import dev.netext.linux.nfqueue.SteeringMatch;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PacketFilterSectionTest {
    private static final Path FILE = Path.of("/etc/netext/pf.yaml");

    private static String errors(String yaml) {
        ProfileException e = catchThrowableOfType(ProfileException.class, () -> new ProfileLoader().parse(yaml, FILE));
        assertThat(e).as("expected a ProfileException for:\n" + yaml).isNotNull();
        return e.getMessage();
    }

    @Test
    void theIssuesExampleParses() throws Exception {
        Profile p = new ProfileLoader().parse("""
                packet-filter:
                  provider: com.example.MyPacketProvider   # or built-in 'rules'
                  queue: 7
                  match: [{ direction: out, protocol: udp, port: 9999 }]
                  on-failure: open                         # or closed
                """, FILE);
        PacketFilterSection s = p.packetFilter().orElseThrow();
        assertThat(p.tunnel()).isEmpty();
        assertThat(s.provider()).isEqualTo("com.example.MyPacketProvider");
        assertThat(s.queue()).isEqualTo(7);
        assertThat(s.failOpen()).isTrue();
        assertThat(s.match()).containsExactly(new SteeringMatch(SteeringMatch.Direction.OUT, null, "udp", null, 9999));
        assertThat(p.describe()).contains("packet-filter: provider com.example.MyPacketProvider, queue 7, 1 match(es), on-failure open");
    }

    @Test
    void allMatchKeysAndClosed() throws Exception {
        Profile p = new ProfileLoader().parse("""
                packet-filter:
                  provider: rules
                  queue: 0
                  match:
                    - { direction: in, interface: eth0, protocol: tcp, cidr: 10.0.0.0/8, port: 22 }
                    - { direction: forward, protocol: icmpv6, cidr: "fd00::1" }
                  on-failure: closed
                  options: { default: drop }
                """, FILE);
        PacketFilterSection s = p.packetFilter().orElseThrow();
        assertThat(s.failOpen()).isFalse();
        assertThat(s.match().get(0).interfaceName()).isEqualTo("eth0");
        assertThat(s.match().get(0).cidr().toString()).isEqualTo("10.0.0.0/8");
        assertThat(s.match().get(1).cidr().toString()).isEqualTo("fd00::1/128");
        assertThat(s.options()).containsEntry("default", "drop");
    }

    @Test
    void badSectionsNameFileLineAndKey() {
        assertThat(errors("""
                packet-filter:
                  provider: rules
                  queue: 70000
                  match: []
                  on-failure: maybe
                """)).contains("pf.yaml:3: packet-filter.queue: queue 70000 is out of range")
                .contains("pf.yaml:4: packet-filter.match: is empty")
                .contains("pf.yaml:5: packet-filter.on-failure: 'maybe' is neither open nor closed");
        assertThat(errors("""
                packet-filter:
                  provider: rules
                  queue: 1
                  match: [{ direction: up, protocol: sctp, port: 0, colour: red }]
                """)).contains("packet-filter.match[0].direction: 'up' is not in, out or forward")
                .contains("packet-filter.match[0].protocol: 'sctp' is not one of")
                .contains("packet-filter.match[0].port: port 0 is out of range")
                .contains("packet-filter.match[0].colour: unknown key");
        assertThat(errors("""
                packet-filter:
                  provider: rules
                  queue: 1
                  match: [{ protocol: icmp, port: 80 }]
                """)).contains("packet-filter.match[0]: a port needs protocol tcp or udp");
        assertThat(errors("""
                packet-filter:
                  queue: 1
                  match: [{ protocol: udp }]
                """)).contains("packet-filter.provider");
    }
}
