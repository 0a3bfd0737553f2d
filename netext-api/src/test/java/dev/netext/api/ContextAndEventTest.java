package dev.netext.api;

import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.path.PathEvent;
import dev.netext.api.proxy.AppProxyProvider;
import dev.netext.api.proxy.ClaimDecision;
import dev.netext.api.proxy.ProxiedTcpFlow;
import dev.netext.api.proxy.ProxyContext;
import dev.netext.api.tunnel.PacketFlow;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelContext;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContextAndEventTest {

    /** A host written against the original TunnelContext only. */
    static class OldHost implements TunnelContext {
        final List<String> spawned = new ArrayList<>();
        final List<String> logged = new ArrayList<>();
        Throwable cancelled;

        public String interfaceName() { return "netext0"; }
        public TunnelNetworkSettings profileSettings() { return null; }
        public void setTunnelNetworkSettings(TunnelNetworkSettings settings) {}
        public PacketFlow packetFlow() { return null; }
        public void spawn(String name, ThrowingRunnable loop) {
            spawned.add(name);
            try { loop.run(); } catch (Exception e) { throw new RuntimeException(e); }
        }
        public void setReasserting(boolean reasserting) {}
        public void cancelTunnel(Throwable error) { cancelled = error; }
        public void onPathChange(Consumer<PathEvent> listener) {}
        public int bypassMark() { return 0x4e58; }
        public void log(String message) { logged.add(message); }
    }

    @Test
    void tunnelContextIsAProviderContextThroughDefaults() {
        OldHost host = new OldHost();
        List<String> ran = new ArrayList<>();
        host.spawn("direct", () -> ran.add("direct"));          // resolves to the tunnel overload
        ProviderContext generic = host;
        generic.spawn("generic", () -> ran.add("generic"));     // reaches the tunnel implementation
        generic.cancel(new IllegalStateException("x"));
        generic.publish("backend.up", Map.of("rtt", "12ms"), 7);

        assertThat(ran).containsExactly("direct", "generic");
        assertThat(host.spawned).containsExactly("direct", "generic");
        assertThat(host.cancelled).hasMessage("x");
        assertThat(generic.kind()).isEqualTo(ProviderKind.PACKET_TUNNEL);
        assertThat(generic.name()).isEqualTo("netext0");
        assertThat(host.logged).singleElement().asString().contains("backend.up").contains("flow 7");
    }

    @Test
    void providerKindIsInferredFromTheInterface() {
        DnsProxyProvider dns = new DnsProxyProvider() {
            public void startProxy(dev.netext.api.dns.DnsProxyContext c, Map<String, Object> o) {}
            public void stopProxy(StopReason r) {}
            public DnsDecision handleQuery(DnsQuery q) { return DnsDecision.defaultResolution(); }
        };
        FilterPacketProvider packets = new FilterPacketProvider() {
            public void startFilter(ProviderContext c, Map<String, Object> o) {}
            public void stopFilter(StopReason r) {}
            public PacketVerdict handle(PacketContext c, ByteBuffer p) { return PacketVerdict.ALLOW; }
        };
        AppProxyProvider app = new AppProxyProvider() {
            public void startProxy(ProxyContext c, Map<String, Object> o) {}
            public void stopProxy(StopReason r) {}
            public ClaimDecision handleNewFlow(dev.netext.api.flow.Flow f) { return ClaimDecision.DECLINE; }
            public void handleTcpFlow(ProxiedTcpFlow f) {}
        };
        assertThat(dns.kind()).isEqualTo(ProviderKind.DNS_PROXY);
        assertThat(packets.kind()).isEqualTo(ProviderKind.FILTER_PACKET);
        assertThat(app.kind()).isEqualTo(ProviderKind.APP_PROXY);
        assertThatThrownBy(() -> app.handleUdpFlow(null)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> new Provider() {}.kind()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void eventsValidateSequenceProviderAndFlowId() {
        assertThatThrownBy(() -> new ProviderEvent.StatusChanged(-1, 0, "vpn", ProviderStatus.CONNECTING, ProviderStatus.CONNECTED))
                .hasMessageContaining("sequence");
        assertThatThrownBy(() -> new ProviderEvent.FlowClosed(1, 0, " ", 5, 0, 0)).hasMessageContaining("provider");
        assertThatThrownBy(() -> new ProviderEvent.FlowVerdict(1, 0, "f", ProviderEvent.NO_FLOW, ClaimDecision.CLAIM, 0))
                .hasMessageContaining("flow id");
        var msg = new ProviderEvent.ProviderMessage(3, 0, "vpn", ProviderEvent.NO_FLOW, "x", new java.util.HashMap<>(Map.of("a", "b")));
        assertThatThrownBy(() -> msg.attributes().put("c", "d")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void sinkChainDeliversToTheNextSinkEvenWhenOneThrows() {
        List<ProviderEvent> seen = new ArrayList<>();
        EventSink failing = _ -> { throw new IllegalStateException("disk full"); };
        EventSink chain = failing.andThen(seen::add);
        var e = new ProviderEvent.ProviderRestarted(1, 0, "vpn", 1);
        assertThatThrownBy(() -> chain.accept(e)).hasMessage("disk full");
        assertThat(seen).containsExactly(e);
    }
}
