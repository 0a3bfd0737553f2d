package dev.netext.daemon.server;

import dev.netext.api.ProviderStatus;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsProxyContext;
import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.supervisor.CallFailed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** App messages reach a profile's DNS proxy provider through its supervisor, as a tunnel's do. */
class DnsComponentMessageTest {
    /** A first launch loads the DNS host's classes: more than the lifecycle tests' 2 s on a busy machine. */
    private static final RestartPolicy QUICK =
            new RestartPolicy(Duration.ofMillis(200), Duration.ofMillis(200), Duration.ofMinutes(1), 0, Duration.ofSeconds(30));
    private static final String SECTION = """
            dns:
              listen: ["127.0.0.1:0"]
              intercept: false
              servers: { up: "udp://127.0.0.1:9" }
              default: up
            """;

    @TempDir
    Path dir;
    private final ProviderResolver resolver = new ProviderResolver(Map.of(), List.of(), DnsComponentMessageTest.class.getClassLoader());
    private ProfileComponent component;

    /** Lets the host decide every query; answers messages reversed. */
    static final class Talking implements DnsProxyProvider {
        @Override public void startProxy(DnsProxyContext context, Map<String, Object> options) {}

        @Override public void stopProxy(StopReason reason) {}

        @Override public DnsDecision handleQuery(DnsQuery query) { return new DnsDecision.Default(); }

        @Override public byte[] handleAppMessage(byte[] message) {
            return new StringBuilder(new String(message, StandardCharsets.UTF_8)).reverse().toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    @AfterEach
    void stop() {
        if (component != null) component.stop(StopReason.USER_INITIATED);
        resolver.close();
    }

    private ProfileComponent start(DnsComponent c) {
        component = c;
        c.start();
        assertThat(c.status().status()).isEqualTo(ProviderStatus.CONNECTED);
        return c;
    }

    private DaemonServices services() { return new DaemonServices(new EventLog(), resolver, dir, QUICK); }

    @Test
    void aDnsProviderAnswersMessages() throws Exception {
        Profile p = Profiles.of("talk", SECTION);
        ProfileComponent c = start(new DnsComponent(p, services(), _ -> new Talking()));
        MessageTarget dns = c.messageTargets().get("dns");
        assertThat(new String(dns.message("hello".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5)), StandardCharsets.UTF_8))
                .isEqualTo("olleh");
    }

    @Test
    void theBuiltInSplitDnsDoesNotHandleMessagesAndAStoppedOneIsNotRunning() throws Exception {
        Profile p = Profiles.of("split", SECTION);
        ProfileComponent c = start((DnsComponent) DnsComponent.factory().create(p, services()).orElseThrow());
        MessageTarget dns = c.messageTargets().get("dns");
        assertThatThrownBy(() -> dns.message(new byte[]{1}, Duration.ofSeconds(5)))
                .isInstanceOf(CallFailed.class).hasCauseInstanceOf(UnsupportedOperationException.class);
        c.stop(StopReason.USER_INITIATED);
        assertThatThrownBy(() -> dns.message(new byte[]{1}, Duration.ofSeconds(5)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is not running");
    }
}
