package dev.netext.testkit.tunnel;

import dev.netext.api.ProviderStatus;
import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.path.PathEvent;
import dev.netext.api.tunnel.PacketBatch;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelContext;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.tunnel.NetworkConfigurator;
import dev.netext.tunnel.TunnelDevice;
import dev.netext.tunnel.TunnelListener;
import dev.netext.tunnel.TunnelRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.netext.api.ProviderStatus.CONNECTED;
import static dev.netext.api.ProviderStatus.CONNECTING;
import static dev.netext.api.ProviderStatus.DISCONNECTED;
import static dev.netext.api.ProviderStatus.DISCONNECTING;
import static dev.netext.api.ProviderStatus.REASSERTING;
import static dev.netext.testkit.tunnel.Fixtures.DUAL_STACK;
import static dev.netext.testkit.tunnel.Fixtures.TIMEOUT;
import static dev.netext.testkit.tunnel.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TunnelRuntimeTest {

    /** A provider made of hooks; counts its calls. */
    static class HookProvider implements PacketTunnelProvider {
        interface Start { void run(TunnelContext ctx) throws Exception; }
        interface Stop { void run(StopReason reason) throws Exception; }

        final Start onStart;
        final Stop onStop;
        final AtomicInteger starts = new AtomicInteger();
        final AtomicInteger stops = new AtomicInteger();
        final AtomicBoolean inStart = new AtomicBoolean();
        final AtomicBoolean stopDuringStart = new AtomicBoolean();
        volatile StopReason stopReason;
        volatile TunnelContext context;

        HookProvider(Start onStart, Stop onStop) {
            this.onStart = onStart;
            this.onStop = onStop;
        }

        HookProvider(Start onStart) { this(onStart, r -> {}); }

        @Override
        public void startTunnel(TunnelContext ctx, Map<String, Object> options) throws Exception {
            context = ctx;
            starts.incrementAndGet();
            inStart.set(true);
            try {
                onStart.run(ctx);
            } finally {
                inStart.set(false);
            }
        }

        @Override
        public void stopTunnel(StopReason reason) throws Exception {
            if (inStart.get()) stopDuringStart.set(true);
            stops.incrementAndGet();
            stopReason = reason;
            onStop.run(reason);
        }
    }

    /** A typical start: apply the profile, run a loop that echoes. */
    static final HookProvider.Start ECHO_LOOP = ctx -> {
        ctx.setTunnelNetworkSettings(ctx.profileSettings());
        ctx.spawn("loop", () -> {
            PacketBatch b = ctx.packetFlow().newBatch();
            while (ctx.packetFlow().readPackets(b) >= 0) ctx.packetFlow().writePackets(b);
        });
    };

    record Transition(ProviderStatus from, ProviderStatus to) {}

    final SimulatedTunnelDevice device = new SimulatedTunnelDevice("sim0");
    final RecordingConfigurator configurator = new RecordingConfigurator();
    final List<Transition> transitions = new CopyOnWriteArrayList<>();
    final List<String> logs = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    final List<PathEvent> hostPathEvents = new CopyOnWriteArrayList<>();
    final List<TunnelRuntime> runtimes = new ArrayList<>();

    final TunnelListener listener = new TunnelListener() {
        @Override public void statusChanged(String t, ProviderStatus from, ProviderStatus to) { transitions.add(new Transition(from, to)); }
        @Override public void log(String t, String message) { logs.add(message); }
        @Override public void failed(String t, Throwable cause) { failures.add(cause); }
        @Override public void pathChanged(String t, PathEvent event) { hostPathEvents.add(event); }
    };

    TunnelRuntime runtime(PacketTunnelProvider provider) {
        return runtime(provider, configurator, listener);
    }

    TunnelRuntime runtime(PacketTunnelProvider provider, NetworkConfigurator conf, TunnelListener l) {
        TunnelRuntime r = new TunnelRuntime("t", provider, device, conf, DUAL_STACK, Map.of(), l);
        runtimes.add(r);
        return r;
    }

    @AfterEach
    void stopAll() {
        runtimes.forEach(r -> r.stop(StopReason.SHUTDOWN));
    }

    void assertTornDown(TunnelRuntime r) {
        assertThat(r.status()).isEqualTo(DISCONNECTED);
        assertThat(device.isClosed()).as("device closed").isTrue();
        assertThat(configurator.cleared()).as("settings cleared").isTrue();
        assertThat(configurator.current()).isNull();
        assertThat(r.appliedSettings()).isNull();
        assertThat(r.loopNames()).as("loops ended").isEmpty();
    }

    // ---- lifecycle --------------------------------------------------------------------------------------------

    @Test
    void goesThroughEveryStatusInOrder() throws Exception {
        HookProvider p = new HookProvider(ECHO_LOOP);
        TunnelRuntime r = runtime(p);
        assertThat(r.status()).isEqualTo(DISCONNECTED);
        r.start();
        assertThat(r.status()).isEqualTo(CONNECTED);
        assertThat(r.appliedSettings()).isEqualTo(DUAL_STACK);
        r.stop(StopReason.USER_INITIATED);

        assertThat(transitions).containsExactly(new Transition(DISCONNECTED, CONNECTING), new Transition(CONNECTING, CONNECTED),
                new Transition(CONNECTED, DISCONNECTING), new Transition(DISCONNECTING, DISCONNECTED));
        assertThat(p.stopReason).isEqualTo(StopReason.USER_INITIATED);
        assertThat(r.awaitTermination(Duration.ZERO)).isTrue();
        assertThat(r.awaitTermination()).isNull();
        assertThat(r.failure()).isNull();
        assertTornDown(r);
    }

    @Test
    void contextDescribesTheTunnel() throws Exception {
        HookProvider p = new HookProvider(ECHO_LOOP);
        TunnelRuntime r = runtime(p);
        r.start();
        TunnelContext ctx = p.context;
        assertThat(ctx.interfaceName()).isEqualTo("sim0");
        assertThat(ctx.name()).as("the tunnel's name, not the interface's").isEqualTo("t");
        assertThat(ctx.profileSettings()).isEqualTo(DUAL_STACK);
        assertThat(ctx.bypassMark()).isEqualTo(configurator.bypassMark());
        ctx.log("hello");
        assertThat(logs).contains("hello");
        assertThat(r.name()).isEqualTo("t");
        assertThat(r.device()).isSameAs(device);
    }

    @Test
    void startingTwiceOrAfterStopIsRefused() throws Exception {
        TunnelRuntime r = runtime(new HookProvider(ECHO_LOOP));
        r.start();
        assertThatThrownBy(r::start).isInstanceOf(IllegalStateException.class);

        TunnelRuntime stopped = new TunnelRuntime("u", new HookProvider(ECHO_LOOP), new SimulatedTunnelDevice("sim1"),
                new RecordingConfigurator(), DUAL_STACK, Map.of(), null);
        stopped.stop(StopReason.USER_INITIATED);
        assertThatThrownBy(stopped::start).isInstanceOf(IllegalStateException.class);
        assertThat(stopped.status()).isEqualTo(DISCONNECTED);
    }

    @Test
    void adjustSettingsShapesTheProfileSettings() throws Exception {
        TunnelNetworkSettings narrowed = TunnelNetworkSettings.of(List.of(IpPrefix.parse("10.7.0.1/24")),
                List.of(IpPrefix.parse("10.7.0.0/24")), 1280);
        HookProvider p = new HookProvider(ECHO_LOOP) {
            @Override public TunnelNetworkSettings adjustSettings(TunnelNetworkSettings fromProfile) { return narrowed; }
        };
        TunnelRuntime r = runtime(p);
        r.start();
        assertThat(configurator.current()).isEqualTo(narrowed);
    }

    // ---- failures -----------------------------------------------------------------------------------------------

    @Test
    void startTunnelThatThrowsFailsTheStartAndUndoesEverything() throws Exception {
        IOException boom = new IOException("backend unreachable");
        HookProvider p = new HookProvider(ctx -> {
            ECHO_LOOP.run(ctx);
            throw boom;
        });
        TunnelRuntime r = runtime(p);

        assertThatThrownBy(r::start).isSameAs(boom);
        assertTornDown(r);
        assertThat(r.failure()).isSameAs(boom);
        assertThat(r.awaitTermination()).isSameAs(boom);
        assertThat(transitions).extracting(Transition::to).containsExactly(CONNECTING, DISCONNECTING, DISCONNECTED);
        assertThat(p.stopReason).isEqualTo(StopReason.PROVIDER_FAILED);
    }

    @Test
    void startTunnelThatThrowsAnErrorIsWrapped() {
        HookProvider p = new HookProvider(ctx -> { throw new StackOverflowError("deep"); });
        TunnelRuntime r = runtime(p);
        assertThatThrownBy(r::start).isInstanceOf(IllegalStateException.class).hasCauseInstanceOf(StackOverflowError.class);
        assertTornDown(r);
    }

    @Test
    void loopThatThrowsStopsTheTunnelByItself() throws Exception {
        RuntimeException boom = new IllegalStateException("bad packet");
        CountDownLatch go = new CountDownLatch(1);
        HookProvider p = new HookProvider(ctx -> {
            ctx.setTunnelNetworkSettings(ctx.profileSettings());
            ctx.spawn("failing", () -> {
                go.await();
                throw boom;
            });
        });
        TunnelRuntime r = runtime(p);
        r.start();
        assertThat(r.status()).isEqualTo(CONNECTED);
        go.countDown();

        assertThat(r.awaitTermination(TIMEOUT)).isTrue();
        assertThat(r.failure()).isSameAs(boom);
        assertThat(failures).containsExactly(boom);
        assertThat(p.stopReason).isEqualTo(StopReason.PROVIDER_FAILED);
        assertTornDown(r);
    }

    @Test
    void cancelTunnelStopsTheTunnelWithTheGivenError() throws Exception {
        HookProvider p = new HookProvider(ECHO_LOOP);
        TunnelRuntime r = runtime(p);
        r.start();
        IOException cause = new IOException("server closed the session");
        p.context.cancelTunnel(cause);

        assertThat(r.awaitTermination(TIMEOUT)).isTrue();
        assertThat(r.failure()).isSameAs(cause);
        assertThat(p.stops).hasValue(1);
        assertThat(p.stopReason).isEqualTo(StopReason.PROVIDER_FAILED);
        assertTornDown(r);
    }

    @Test
    void cancelTunnelWithoutErrorStillRecordsAFailure() throws Exception {
        HookProvider p = new HookProvider(ECHO_LOOP);
        TunnelRuntime r = runtime(p);
        r.start();
        p.context.cancel(null);
        assertThat(r.awaitTermination(TIMEOUT)).isTrue();
        assertThat(r.failure()).isInstanceOf(IllegalStateException.class).hasMessageContaining("cancelled");
    }

    @Test
    void cancelDuringStartFailsTheStartWithoutStoppingConcurrently() throws Exception {
        IOException cause = new IOException("auth rejected");
        HookProvider p = new HookProvider(ctx -> {
            ECHO_LOOP.run(ctx);
            ctx.cancelTunnel(cause);
            Thread.sleep(100); // a teardown racing with startTunnel would call stopTunnel now
        });
        TunnelRuntime r = runtime(p);

        assertThatThrownBy(r::start).isInstanceOf(IllegalStateException.class).hasCause(cause);
        assertThat(p.stopDuringStart).as("stopTunnel ran while startTunnel was running").isFalse();
        assertThat(p.stops).hasValue(1);
        assertThat(r.failure()).isSameAs(cause);
        assertTornDown(r);
    }

    @Test
    void loopFailingDuringStartKeepsTheRootCause() throws Exception {
        IOException root = new IOException("socket reset");
        HookProvider p = new HookProvider(ctx -> {
            CountDownLatch failed = new CountDownLatch(1);
            ctx.spawn("dies", () -> {
                failed.countDown();
                throw root;
            });
            failed.await();
            Thread.sleep(50);
            throw new IOException("start gave up"); // a consequence, not the cause
        });
        TunnelRuntime r = runtime(p);

        assertThatThrownBy(r::start).isInstanceOf(IllegalStateException.class).hasCause(root);
        assertThat(r.failure()).isSameAs(root);
        assertTornDown(r);
    }

    @Test
    void stopTunnelThatThrowsStillTearsDown() throws Exception {
        HookProvider p = new HookProvider(ECHO_LOOP, reason -> { throw new IOException("goodbye failed"); });
        TunnelRuntime r = runtime(p);
        r.start();
        r.stop(StopReason.USER_INITIATED);

        assertTornDown(r);
        assertThat(r.awaitTermination(Duration.ZERO)).isTrue();
        assertThat(logs).anyMatch(m -> m.contains("stopTunnel failed") && m.contains("goodbye failed"));
    }

    @Test
    void failingClearOrListenerStillReachesDisconnected() throws Exception {
        NetworkConfigurator broken = new NetworkConfigurator() {
            @Override public void apply(TunnelDevice d, TunnelNetworkSettings s) {}
            @Override public void clear(TunnelDevice d) { throw new IllegalStateException("netlink gone"); }
            @Override public int bypassMark() { return 1; }
        };
        TunnelListener throwing = new TunnelListener() {
            @Override public void statusChanged(String t, ProviderStatus from, ProviderStatus to) {
                transitions.add(new Transition(from, to));
                throw new IllegalStateException("listener bug");
            }
            @Override public void log(String t, String message) { logs.add(message); }
        };
        TunnelRuntime r = runtime(new HookProvider(ECHO_LOOP), broken, throwing);
        r.start();
        assertThat(r.status()).isEqualTo(CONNECTED);
        r.stop(StopReason.USER_INITIATED);

        assertThat(r.status()).isEqualTo(DISCONNECTED);
        assertThat(r.awaitTermination(Duration.ZERO)).as("termination signalled").isTrue();
        assertThat(device.isClosed()).isTrue();
        assertThat(transitions).extracting(Transition::to).containsExactly(CONNECTING, CONNECTED, DISCONNECTING, DISCONNECTED);
        assertThat(logs).anyMatch(m -> m.contains("netlink gone"));
    }

    // ---- stopping -----------------------------------------------------------------------------------------------

    @Test
    void stoppingTwiceIsHarmless() throws Exception {
        HookProvider p = new HookProvider(ECHO_LOOP);
        TunnelRuntime r = runtime(p);
        r.start();
        r.stop(StopReason.USER_INITIATED);
        r.stop(StopReason.SHUTDOWN);
        r.close();

        assertThat(p.stops).hasValue(1);
        assertThat(p.stopReason).isEqualTo(StopReason.USER_INITIATED);
        assertThat(configurator.clearCount()).isEqualTo(1);
        assertThat(transitions).extracting(Transition::to).containsExactly(CONNECTING, CONNECTED, DISCONNECTING, DISCONNECTED);
    }

    @Test
    void concurrentStopsTearDownOnceAndBothReturnOnlyWhenDone() throws Exception {
        HookProvider p = new HookProvider(ECHO_LOOP, reason -> Thread.sleep(300)); // a slow goodbye to the server
        TunnelRuntime r = runtime(p);
        r.start();

        CyclicBarrier barrier = new CyclicBarrier(2);
        List<ProviderStatus> seenOnReturn = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (StopReason reason : new StopReason[]{StopReason.USER_INITIATED, StopReason.SHUTDOWN}) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    barrier.await();
                    r.stop(reason);
                    seenOnReturn.add(r.status());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (Thread t : threads) assertThat(t.join(TIMEOUT)).isTrue();

        assertThat(p.stops).hasValue(1);
        assertThat(configurator.clearCount()).isEqualTo(1);
        assertThat(seenOnReturn).as("status when each stop() returned").containsExactly(DISCONNECTED, DISCONNECTED);
        assertTornDown(r);
    }

    @Test
    void stopReturnsPromptlyWithALoopBlockedInRead() throws Exception {
        CountDownLatch reading = new CountDownLatch(1);
        AtomicReference<Integer> lastRead = new AtomicReference<>();
        HookProvider p = new HookProvider(ctx -> ctx.spawn("reader", () -> {
            PacketBatch b = ctx.packetFlow().newBatch();
            reading.countDown();
            lastRead.set(ctx.packetFlow().readPackets(b)); // nothing is injected: blocks until stop
        }));
        TunnelRuntime r = runtime(p);
        r.start();
        assertThat(reading.await(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(50);

        long t0 = System.nanoTime();
        r.stop(StopReason.USER_INITIATED);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(took).isLessThan(Duration.ofSeconds(2));
        assertThat(lastRead.get()).as("readPackets result at close").isEqualTo(-1);
        assertThat(logs).noneMatch(m -> m.contains("did not end"));
        assertTornDown(r);
    }

    @Test
    void stopInterruptsALoopBlockedElsewhere() throws Exception {
        CountDownLatch sleeping = new CountDownLatch(1);
        HookProvider p = new HookProvider(ctx -> ctx.spawn("keepalive", () -> {
            sleeping.countDown();
            Thread.sleep(60_000);
        }));
        TunnelRuntime r = runtime(p);
        r.start();
        sleeping.await();

        long t0 = System.nanoTime();
        r.stop(StopReason.USER_INITIATED);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
        assertThat(r.failure()).as("an interrupt at stop is not a failure").isNull();
        assertThat(failures).isEmpty();
        assertTornDown(r);
    }

    @Test
    void loopsEndingWithErrorsDuringStopAreNotFailures() throws Exception {
        HookProvider p = new HookProvider(ctx -> ctx.spawn("strict", () -> {
            PacketBatch b = ctx.packetFlow().newBatch();
            if (ctx.packetFlow().readPackets(b) < 0) throw new IOException("device closed under me");
        }));
        TunnelRuntime r = runtime(p);
        r.start();
        r.stop(StopReason.USER_INITIATED);
        assertThat(r.failure()).isNull();
        assertThat(r.awaitTermination()).isNull();
    }

    @Test
    void afterStopTheContextRefusesNewWork() throws Exception {
        AtomicReference<Throwable> spawnInStop = new AtomicReference<>();
        AtomicReference<Throwable> settingsInStop = new AtomicReference<>();
        HookProvider[] holder = new HookProvider[1];
        holder[0] = new HookProvider(ECHO_LOOP, reason -> {
            TunnelContext ctx = holder[0].context;
            try {
                ctx.spawn("late", () -> {});
            } catch (Throwable t) {
                spawnInStop.set(t);
            }
            try {
                ctx.setTunnelNetworkSettings(DUAL_STACK);
            } catch (Throwable t) {
                settingsInStop.set(t);
            }
        });
        TunnelRuntime r = runtime(holder[0]);
        r.start();
        r.stop(StopReason.USER_INITIATED);

        assertThat(spawnInStop.get()).isInstanceOf(IllegalStateException.class);
        assertThat(settingsInStop.get()).isInstanceOf(IOException.class);
        assertThat(r.loopNames()).isEmpty();
        // reporting a failure after the stop is ignored: the stop was clean
        holder[0].context.cancelTunnel(new IOException("late"));
        assertThat(r.failure()).isNull();
        assertThat(holder[0].stops).hasValue(1);
    }

    // ---- settings, reasserting, paths, flow ---------------------------------------------------------------------

    @Test
    void nullSettingsClearEverything() throws Exception {
        HookProvider p = new HookProvider(ECHO_LOOP);
        TunnelRuntime r = runtime(p);
        r.start();
        assertThat(r.appliedSettings()).isEqualTo(DUAL_STACK);

        p.context.setTunnelNetworkSettings(null);
        assertThat(r.appliedSettings()).isNull();
        assertThat(configurator.current()).isNull();
        assertThat(configurator.cleared()).isTrue();

        TunnelNetworkSettings v4only = TunnelNetworkSettings.of(List.of(IpPrefix.parse("10.9.0.1/24")), List.of(), 0);
        p.context.setTunnelNetworkSettings(v4only);
        assertThat(r.appliedSettings()).isEqualTo(v4only);
        assertThat(configurator.history()).containsExactly(DUAL_STACK, v4only);
    }

    @Test
    void reassertingTogglesOnlyBetweenConnectedAndReasserting() throws Exception {
        HookProvider p = new HookProvider(ECHO_LOOP);
        TunnelRuntime r = runtime(p);
        r.start();
        TunnelContext ctx = p.context;

        ctx.setReasserting(false);
        assertThat(r.status()).isEqualTo(CONNECTED);
        ctx.setReasserting(true);
        assertThat(r.status()).isEqualTo(REASSERTING);
        ctx.setReasserting(true);
        assertThat(r.status()).isEqualTo(REASSERTING);
        ctx.setReasserting(false);
        assertThat(r.status()).isEqualTo(CONNECTED);
        ctx.setReasserting(true);
        r.stop(StopReason.USER_INITIATED);
        ctx.setReasserting(true);
        ctx.setReasserting(false);
        assertThat(r.status()).isEqualTo(DISCONNECTED);
        assertThat(transitions).extracting(Transition::to).containsExactly(CONNECTING, CONNECTED, REASSERTING,
                CONNECTED, REASSERTING, DISCONNECTING, DISCONNECTED);
    }

    @Test
    void reassertingDuringStartIsIgnored() throws Exception {
        HookProvider p = new HookProvider(ctx -> {
            ctx.setReasserting(true);
            ECHO_LOOP.run(ctx);
        });
        TunnelRuntime r = runtime(p);
        r.start();
        assertThat(r.status()).isEqualTo(CONNECTED);
    }

    @Test
    void pathEventsReachEveryListenerEvenIfOneThrows() throws Exception {
        List<PathEvent> got = new CopyOnWriteArrayList<>();
        HookProvider p = new HookProvider(ctx -> {
            ctx.onPathChange(e -> { throw new IllegalStateException("listener bug"); });
            ctx.onPathChange(got::add);
        });
        TunnelRuntime r = runtime(p);
        r.start();
        PathEvent down = new PathEvent.LinkChanged(2, "eth0", false, false, 1500, false);
        PathEvent route = new PathEvent.DefaultRouteChanged(IpFamily.V4, IpPrefix.parseAddress("192.168.1.1"), 2, "eth0", false);
        r.pathChanged(down);
        r.pathChanged(route);

        assertThat(got).containsExactly(down, route);
        assertThat(hostPathEvents).containsExactly(down, route);
        assertThat(logs).anyMatch(m -> m.contains("path listener failed"));
    }

    @Test
    void pathEventsThroughTheHarness() throws Exception {
        List<PathEvent> got = new CopyOnWriteArrayList<>();
        try (var tunnel = TunnelHarness.start(new HookProvider(ctx -> ctx.onPathChange(got::add)), DUAL_STACK)) {
            PathEvent e = new PathEvent.AddressChanged(3, "wlan0", IpPrefix.parse("192.168.1.7/24"), true);
            tunnel.emitPathEvent(e);
            assertThat(got).containsExactly(e);
        }
    }

    @Test
    void batchesAreSizedForTheAppliedMtu() throws Exception {
        HookProvider p = new HookProvider(ctx -> {});
        TunnelRuntime r = runtime(p);
        r.start();
        assertThat(p.context.packetFlow().newBatch().slotSize()).as("profile MTU before any settings").isEqualTo(1400);
        p.context.setTunnelNetworkSettings(TunnelNetworkSettings.of(List.of(), List.of(), 9000));
        assertThat(p.context.packetFlow().newBatch().slotSize()).isEqualTo(9000);
        p.context.setTunnelNetworkSettings(TunnelNetworkSettings.of(List.of(), List.of(), 576));
        assertThat(p.context.packetFlow().newBatch().slotSize()).as("never below the IPv6 minimum").isEqualTo(1280);
    }

    @Test
    void statsCountWhatCrossesTheFlow() throws Exception {
        try (var tunnel = TunnelHarness.start(new HookProvider(ECHO_LOOP), DUAL_STACK)) {
            tunnel.inject(new byte[100]);
            tunnel.inject(new byte[50]);
            assertThat(tunnel.awaitWritten(2, TIMEOUT)).hasSize(2);
            eventually("out counted", () -> tunnel.stats().packetsOut() == 2);
            assertThat(tunnel.stats().packetsIn()).isEqualTo(2);
            assertThat(tunnel.stats().bytesIn()).isEqualTo(150);
            assertThat(tunnel.stats().bytesOut()).isEqualTo(150);
            assertThat(tunnel.stats().toString()).contains("in 2 packets / 150 bytes");
        }
    }
}
