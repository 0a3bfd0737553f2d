package dev.netext.daemon.server;

import java.time.Duration;

/**
 * How a crashed provider is brought back: after {@code initialDelay}, doubling per consecutive failure up to
 * {@code maxDelay}. A provider that stayed up for {@code stableAfter} starts counting from 1 again. After
 * {@code maxAttempts} consecutive failures (0: no limit) it stays down, reported with {@code will_restart: false}.
 * A launch that has not returned after {@code launchTimeout} counts as hung: a crash like any other.
 */
public record RestartPolicy(Duration initialDelay, Duration maxDelay, Duration stableAfter, int maxAttempts,
                            Duration launchTimeout) {

    /** How long a launch may take by default: a filter's constructor and start are bounded at 30 s each inside it. */
    public static final Duration DEFAULT_LAUNCH_TIMEOUT = Duration.ofSeconds(90);

    public static final RestartPolicy DEFAULT =
            new RestartPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofSeconds(30), 0);

    public RestartPolicy {
        if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0 || stableAfter.isNegative() || maxAttempts < 0
                || launchTimeout.isNegative() || launchTimeout.isZero())
            throw new IllegalArgumentException("bad restart policy");
    }

    /** With the default launch timeout. */
    public RestartPolicy(Duration initialDelay, Duration maxDelay, Duration stableAfter, int maxAttempts) {
        this(initialDelay, maxDelay, stableAfter, maxAttempts, DEFAULT_LAUNCH_TIMEOUT);
    }

    /** The delay before restart attempt {@code attempt} (1-based). */
    public Duration delay(int attempt) {
        int shift = Math.min(Math.max(attempt - 1, 0), 30);
        Duration d = initialDelay.multipliedBy(1L << shift);
        return d.compareTo(maxDelay) > 0 ? maxDelay : d;
    }

    public boolean gives(int attempt) { return maxAttempts == 0 || attempt <= maxAttempts; }
}
