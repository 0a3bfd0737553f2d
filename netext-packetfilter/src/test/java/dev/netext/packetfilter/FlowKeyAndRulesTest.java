package dev.netext.packetfilter;

import dev.netext.api.flow.Direction;
import dev.netext.packetfilter.builtin.RulesPacketProvider;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FlowKeyAndRulesTest {

    static ByteBuffer udp4(int a, int b, int sport, int dport) {
        ByteBuffer p = ByteBuffer.allocate(28);
        p.put((byte) 0x45).put((byte) 0).putShort((short) 28).putInt(0).put((byte) 64).put((byte) 17).putShort((short) 0)
                .putInt(a).putInt(b).putShort((short) sport).putShort((short) dport).putShort((short) 8).putShort((short) 0);
        return p.flip();
    }

    @Test
    void bothDirectionsOfAConnectionShareAFlowId() {
        long out = FlowKey.id(FlowKey.of(udp4(0x0a000001, 0x0a000002, 40000, 53)));
        long back = FlowKey.id(FlowKey.of(udp4(0x0a000002, 0x0a000001, 53, 40000)));
        long other = FlowKey.id(FlowKey.of(udp4(0x0a000001, 0x0a000002, 40001, 53)));
        assertThat(out).isPositive().isEqualTo(back).isNotEqualTo(other);
        assertThat(FlowKey.of(ByteBuffer.allocate(10))).isNull();
        assertThat(FlowKey.id(null)).isZero();
    }

    @Test
    void rulesParseErrorsNameTheRule() {
        assertThatThrownBy(() -> RulesPacketProvider.parse(Map.of("protocol", "udp"), "rules[0]"))
                .hasMessage("rules[0]: 'action' (allow or drop) is required");
        assertThatThrownBy(() -> RulesPacketProvider.parse(Map.of("action", "deny"), "rules[1]"))
                .hasMessageContaining("rules[1].action: allow or drop");
        assertThatThrownBy(() -> RulesPacketProvider.parse(Map.of("action", "drop", "port", 70000), "r"))
                .hasMessageContaining("r.port");
        assertThatThrownBy(() -> RulesPacketProvider.parse(Map.of("action", "drop", "destination", "nope"), "r"))
                .hasMessageContaining("not an address");
        assertThatThrownBy(() -> RulesPacketProvider.parse(Map.of("action", "drop", "colour", "red"), "r"))
                .hasMessageContaining("unknown key 'colour'");
        RulesPacketProvider.Rule r = RulesPacketProvider.parse(Map.of("action", "drop", "direction", "out", "protocol", "udp",
                "destination", "10.0.0.0/8", "port", 53), "r");
        assertThat(r.drop()).isTrue();
        assertThat(r.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(r.protocol()).isEqualTo(17);
        assertThat(r.port()).isEqualTo(53);
    }
}
