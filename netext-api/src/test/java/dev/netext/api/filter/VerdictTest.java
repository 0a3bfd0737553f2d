package dev.netext.api.filter;

import dev.netext.api.flow.Flows;
import dev.netext.api.flow.NetworkRule;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.TransportProtocol;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VerdictTest {

    @Test
    void filterDataRejectsNegativeOversizedAndEmptyPeeks() {
        assertThatThrownBy(() -> FilterVerdict.filterData(-1, 10)).hasMessageContaining("peekInboundBytes");
        assertThatThrownBy(() -> FilterVerdict.filterData(10, -1)).hasMessageContaining("peekOutboundBytes");
        assertThatThrownBy(() -> FilterVerdict.filterData(0, FilterVerdict.FilterData.MAX_PEEK + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FilterVerdict.filterData(0, 0)).hasMessageContaining("allow");
        var f = (FilterVerdict.FilterData) FilterVerdict.filterData(0, 1024);
        assertThat(f.filtersOutbound()).isTrue();
        assertThat(f.filtersInbound()).isFalse();
    }

    @Test
    void passAndPeekRejectsNegativesAndStalls() {
        assertThatThrownBy(() -> DataVerdict.passAndPeek(-1, 10)).hasMessageContaining("passBytes");
        assertThatThrownBy(() -> DataVerdict.passAndPeek(10, -1)).hasMessageContaining("peekBytes");
        assertThatThrownBy(() -> DataVerdict.passAndPeek(0, 0)).hasMessageContaining("stall");
        assertThat(DataVerdict.passAndPeek(Long.MAX_VALUE, 0)).isInstanceOf(DataVerdict.PassAndPeek.class);
    }

    @Test
    void pauseIsBoundedAndNeedsAFallback() {
        assertThatThrownBy(() -> FilterVerdict.pause(Duration.ZERO, FinalVerdict.ALLOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FilterVerdict.pause(Duration.ofMinutes(11), FinalVerdict.ALLOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FilterVerdict.pause(Duration.ofSeconds(5), null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(FilterVerdict.pause(Duration.ofSeconds(5), FinalVerdict.DROP)).isInstanceOf(FilterVerdict.Pause.class);
    }

    @Test
    void finalVerdictsServeBothPhases() {
        FilterVerdict onFlow = FilterVerdict.drop(DropMode.SILENT);
        DataVerdict onData = (DataVerdict) onFlow;
        assertThat(onData).isEqualTo(FinalVerdict.DROP_SILENTLY);
        String described = switch (onData) {
            case FinalVerdict.Allow _ -> "allow";
            case FinalVerdict.Drop d -> "drop " + d.mode();
            case DataVerdict.PassAndPeek _ -> "peek";
        };
        assertThat(described).isEqualTo("drop SILENT");
    }

    @Test
    void modifyCopiesAndChecksTheIpVersion() {
        byte[] ipv4 = new byte[20];
        ipv4[0] = 0x45;
        ByteBuffer src = ByteBuffer.wrap(ipv4);
        var m = (PacketVerdict.Modify) PacketVerdict.modify(src);
        ipv4[0] = 0x60;
        assertThat(m.bytes().get(0)).isEqualTo((byte) 0x45);
        assertThat(m.bytes().isReadOnly()).isTrue();
        assertThat(m.recomputeChecksums()).isTrue();
        assertThat(src.position()).isZero();

        byte[] junk = new byte[20];
        junk[0] = 0x20;
        assertThatThrownBy(() -> PacketVerdict.modify(ByteBuffer.wrap(junk))).hasMessageContaining("version nibble 2");
        assertThatThrownBy(() -> PacketVerdict.modify(ByteBuffer.allocate(10))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void filterSettingsFirstMatchingRuleWins() {
        var settings = new FilterSettings(List.of(
                new FilterRule(NetworkRule.any().withRemotePorts(PortRange.of(53)), FilterAction.ALLOW),
                new FilterRule(NetworkRule.toHost("*.example.com", TransportProtocol.ANY), FilterAction.DROP),
                new FilterRule(NetworkRule.any().withRemotePorts(PortRange.parse("1-1023")), FilterAction.FILTER_DATA)),
                FilterAction.ALLOW);
        assertThat(settings.actionFor(Flows.udp(1, "10.0.0.2:5000", "10.0.0.1:53"))).isEqualTo(FilterAction.ALLOW);
        assertThat(settings.actionFor(Flows.tcp(2, "10.0.0.2:5000", "1.2.3.4:443"))).isEqualTo(FilterAction.FILTER_DATA);
        assertThat(settings.actionFor(Flows.tcp(3, "10.0.0.2:5000", "1.2.3.4:443").withHostname(
                new dev.netext.api.flow.HostnameInfo("ads.example.com", dev.netext.api.flow.HostnameInfo.Source.TLS_SNI))))
                .isEqualTo(FilterAction.DROP);
        assertThat(settings.actionFor(Flows.tcp(4, "10.0.0.2:5000", "1.2.3.4:8443"))).isEqualTo(FilterAction.ALLOW);
    }
}
