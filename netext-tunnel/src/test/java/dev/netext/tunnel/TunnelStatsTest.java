package dev.netext.tunnel;

import dev.netext.tunnel.builtin.BuiltinProviders;
import dev.netext.tunnel.builtin.EchoProvider;
import dev.netext.tunnel.builtin.PongProvider;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What can be tested inside netext-tunnel itself. The lifecycle of {@link TunnelRuntime} and the built-in providers
 * are tested in netext-testkit, which has the simulated device (and depends on this module); this module's classes
 * as exercised there count in the aggregate report, {@code netext-coverage/target/site/jacoco-aggregate}.
 */
class TunnelStatsTest {

    @Test
    void countsPacketsBytesAndBatches() {
        TunnelStats s = new TunnelStats();
        s.countIn(3, 300);
        s.countIn(1, 40);
        s.countOut(2, 200);
        assertThat(s.packetsIn()).isEqualTo(4);
        assertThat(s.bytesIn()).isEqualTo(340);
        assertThat(s.batchesIn()).isEqualTo(2);
        assertThat(s.packetsOut()).isEqualTo(2);
        assertThat(s.bytesOut()).isEqualTo(200);
        assertThat(s).hasToString("in 4 packets / 340 bytes (2 batches), out 2 packets / 200 bytes");
    }

    @Test
    void builtinProvidersByProfileName() {
        assertThat(BuiltinProviders.TUNNEL).containsOnlyKeys("echo", "pong");
        assertThat(BuiltinProviders.TUNNEL.get("echo").get()).isInstanceOf(EchoProvider.class);
        assertThat(BuiltinProviders.TUNNEL.get("pong").get()).isInstanceOf(PongProvider.class);
        assertThat(BuiltinProviders.TUNNEL.get("echo").get()).isNotSameAs(BuiltinProviders.TUNNEL.get("echo").get());
    }

    @Test
    void noopListenerAcceptsEverything() {
        TunnelListener.NONE.statusChanged("t", dev.netext.api.ProviderStatus.DISCONNECTED, dev.netext.api.ProviderStatus.CONNECTING);
        TunnelListener.NONE.log("t", "m");
        TunnelListener.NONE.failed("t", new RuntimeException());
        TunnelListener.NONE.pathChanged("t", new dev.netext.api.path.PathEvent.LinkChanged(1, "lo", true, true, 65536, false));
    }
}
