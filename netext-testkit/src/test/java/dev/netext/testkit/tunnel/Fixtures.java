package dev.netext.testkit.tunnel;

import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.TunnelNetworkSettings;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.fail;

/** Shared settings and waiting helpers for the tunnel tests. */
final class Fixtures {
    private Fixtures() {}

    static final Duration TIMEOUT = Duration.ofSeconds(5);
    static final Duration QUIET = Duration.ofMillis(200);

    /** A dual-stack tunnel: own addresses 10.7.0.1 and fd84::1, routes for both /24 and /64. */
    static final TunnelNetworkSettings DUAL_STACK = TunnelNetworkSettings.of(
            List.of(IpPrefix.parse("10.7.0.1/24"), IpPrefix.parse("fd84::1/64")),
            List.of(IpPrefix.parse("10.7.0.0/24"), IpPrefix.parse("fd84::/64")),
            1400);

    /** Polls {@code condition} until it holds or {@link #TIMEOUT} passes. */
    static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting for: " + what);
            Thread.sleep(5);
        }
    }
}
