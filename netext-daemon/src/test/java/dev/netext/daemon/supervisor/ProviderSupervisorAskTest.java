package dev.netext.daemon.supervisor;

import dev.netext.api.ProviderEvent;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelContext;
import dev.netext.daemon.server.RestartPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** App messages through {@link ProviderSupervisor#ask}: bounded, a failure is the message's and never a crash. */
class ProviderSupervisorAskTest {
    private final List<ProviderEvent> events = new CopyOnWriteArrayList<>();
    private final CountDownLatch never = new CountDownLatch(1);
    private final ProviderSupervisor<PacketTunnelProvider> supervisor = new ProviderSupervisor<>("office", "tunnel",
            RestartPolicy.DEFAULT, events::add, null, new ProviderLauncher<>() {
                @Override public PacketTunnelProvider launch(ProviderRun<PacketTunnelProvider> run) { return new Reverser(); }

                @Override public void stop(ProviderRun<PacketTunnelProvider> run, StopReason reason) {}
            });

    /** Held until the test lets go: "stuck" messages ignore the host's interrupt until then. */
    private final CountDownLatch release = new CountDownLatch(1);

    /** Answers a message reversed; "hang" never returns (until interrupted); "stuck" not even then; "boom" throws. */
    private final class Reverser implements PacketTunnelProvider {
        @Override public void startTunnel(TunnelContext context, Map<String, Object> options) {}

        @Override public void stopTunnel(StopReason reason) {}

        @Override public byte[] handleAppMessage(byte[] message) throws Exception {
            String m = new String(message, StandardCharsets.UTF_8);
            if (m.equals("hang")) never.await();
            while (m.equals("stuck")) {
                try {
                    if (release.await(1, TimeUnit.MINUTES)) break;
                } catch (InterruptedException e) {
                    // swallowed, as a careless provider would
                }
            }
            if (m.equals("boom")) throw new IllegalStateException("boom");
            return new StringBuilder(m).reverse().toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    @AfterEach
    void stop() {
        supervisor.stop(StopReason.USER_INITIATED);
    }

    private String ask(String message, Duration timeout) throws Exception {
        byte[] reply = supervisor.ask(p -> () -> p.handleAppMessage(message.getBytes(StandardCharsets.UTF_8)), timeout, "handleAppMessage");
        return new String(reply, StandardCharsets.UTF_8);
    }

    @Test
    void aHungMessageTimesOutWithoutACrashAndLaterMessagesAreAnswered() throws Exception {
        supervisor.startAndWait();
        assertThat(ask("hello", Duration.ofSeconds(5))).isEqualTo("olleh");

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ask("hang", Duration.ofMillis(300)))
                .isInstanceOf(CallFailed.class).hasCauseInstanceOf(TimeoutException.class)
                .hasMessage("handleAppMessage did not return within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));

        assertThat(supervisor.serving()).isTrue();
        assertThat(supervisor.restarts()).isZero();
        assertThat(supervisor.lastError()).isNull();
        assertThat(ask("again", Duration.ofSeconds(5))).isEqualTo("niaga");
        assertThat(events).noneMatch(ProviderEvent.ProviderFailed.class::isInstance);
        assertThat(events).filteredOn(ProviderEvent.ProviderMessage.class::isInstance)
                .map(e -> (ProviderEvent.ProviderMessage) e)
                .singleElement().satisfies(m -> {
                    assertThat(m.type()).isEqualTo("provider.message-failed");
                    assertThat(m.attributes()).containsEntry("error_type", "TimeoutException");
                });
    }

    @Test
    void stuckMessagesKeepTheirPlaceUntilTheyReturnAndOneMoreThanTheLimitIsRefusedAtOnce() throws Exception {
        supervisor.startAndWait();
        for (int i = 0; i < ProviderRun.MAX_MESSAGES_IN_FLIGHT; i++) {
            assertThatThrownBy(() -> ask("stuck", Duration.ofMillis(100)))
                    .isInstanceOf(CallFailed.class).hasCauseInstanceOf(TimeoutException.class);
        }
        assertThat(supervisor.run().messagesInFlight()).as("timed out, but still running in the provider")
                .isEqualTo(ProviderRun.MAX_MESSAGES_IN_FLIGHT);

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ask("hello", Duration.ofSeconds(5)))
                .isInstanceOf(CallFailed.class).hasCauseInstanceOf(RejectedExecutionException.class)
                .hasMessage("handleAppMessage refused: " + ProviderRun.MAX_MESSAGES_IN_FLIGHT
                        + " calls are running in the provider already (the limit)");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("refused before any call").isLessThan(Duration.ofSeconds(1));
        assertThat(events).filteredOn(ProviderEvent.ProviderMessage.class::isInstance)
                .map(e -> ((ProviderEvent.ProviderMessage) e).attributes().get("error_type"))
                .containsOnly("TimeoutException", "RejectedExecutionException").contains("RejectedExecutionException");

        release.countDown(); // the stuck calls return: their places come back
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (supervisor.run().messagesInFlight() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(supervisor.run().messagesInFlight()).isZero();
        assertThat(ask("hello", Duration.ofSeconds(5))).isEqualTo("olleh");
        assertThat(supervisor.serving()).isTrue();
        assertThat(events).noneMatch(ProviderEvent.ProviderFailed.class::isInstance);
    }

    @Test
    void aThrowIsTheMessagesErrorNotACrash() throws Exception {
        supervisor.startAndWait();
        assertThatThrownBy(() -> ask("boom", Duration.ofSeconds(5)))
                .isInstanceOf(CallFailed.class).hasMessage("handleAppMessage threw IllegalStateException: boom");
        assertThat(supervisor.serving()).isTrue();
        assertThat(events).noneMatch(ProviderEvent.ProviderFailed.class::isInstance);
        assertThat(ask("ok", Duration.ofSeconds(5))).isEqualTo("ko");
    }

    @Test
    void aStoppedProviderIsNotRunning() {
        assertThatThrownBy(() -> ask("hello", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("tunnel office is not running");
    }

    @Test
    void theApiDefaultDoesNotHandleMessages() throws Exception {
        PacketTunnelProvider plain = new PacketTunnelProvider() {
            @Override public void startTunnel(TunnelContext context, Map<String, Object> options) {}

            @Override public void stopTunnel(StopReason reason) {}
        };
        assertThatThrownBy(() -> plain.handleAppMessage(new byte[]{1}))
                .isInstanceOf(UnsupportedOperationException.class).hasMessage("does not handle messages");
    }
}
