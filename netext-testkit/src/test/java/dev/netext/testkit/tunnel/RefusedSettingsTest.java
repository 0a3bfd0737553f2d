package dev.netext.testkit.tunnel;

import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.DnsSettings;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.ProxySettings;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelContext;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.tunnel.RefusedSettings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider's proxy settings are never silently dropped: under a configurator that does not apply proxies (the test
 * kit's), the rest is applied and the proxy reported with the reason.
 */
class RefusedSettingsTest {
    private static final TunnelNetworkSettings WITH_PROXY = new TunnelNetworkSettings(
            List.of(IpPrefix.parse("10.7.0.1/24")), List.of(IpPrefix.parse("10.7.0.0/24")), List.of(), 1400,
            DnsSettings.NONE, new ProxySettings(null, "10.7.0.80:3128", null, List.of("*.lan", "10.0.0.0/8")));

    @Test
    void aProxyFromSetTunnelNetworkSettingsIsLeftOutAndReported() throws Exception {
        PacketTunnelProvider provider = new PacketTunnelProvider() {
            @Override public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
                context.setTunnelNetworkSettings(WITH_PROXY);
            }

            @Override public void stopTunnel(StopReason reason) {}
        };
        try (TunnelHarness h = TunnelHarness.start(provider, TunnelNetworkSettings.of(List.of(), List.of(), 0))) {
            TunnelNetworkSettings applied = h.appliedSettings();
            assertThat(applied.proxy().isEmpty()).as("the configurator never sees what it cannot apply").isTrue();
            assertThat(applied.addresses()).isEqualTo(WITH_PROXY.addresses());
            assertThat(applied.includedRoutes()).isEqualTo(WITH_PROXY.includedRoutes());
            assertThat(applied.mtu()).isEqualTo(1400);
            assertThat(h.logs()).anySatisfy(l -> assertThat(l)
                    .isEqualTo("proxy http 10.7.0.80:3128, except *.lan 10.0.0.0/8 not applied: " + RefusedSettings.PROXY_REASON));
            // the harness's listener logs published events (a daemon records them in its event log)
            assertThat(h.logs()).anySatisfy(l -> assertThat(l).startsWith("event " + RefusedSettings.EVENT + " ")
                    .contains("setting=proxy").contains("reason=" + RefusedSettings.PROXY_REASON));
        }
    }
}
