package dev.netext.daemon.profile;

import java.time.Duration;
import java.util.Objects;

/**
 * A profile's {@code memory:} budget for each of its provider components.
 *
 * <p>What is budgeted is the heap the provider's threads <em>allocate</em> within a sliding {@code window} (as
 * {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes} counts it), not the heap it retains: HotSpot cannot
 * tell, short of a heap walk, which live objects belong to which provider. A provider's window allocation bounds from
 * above what it can have added to the live heap in that window, so a leak of more than the budget per window is
 * caught, and so is a provider whose churn crowds out every other one's; a slow leak below that rate is not.
 *
 * @param softBytes warn above this (event + {@code ProviderContext.onMemoryPressure}); 0 = no soft limit
 * @param hardBytes stop the provider above this ({@code StopReason.MEMORY_LIMIT}); 0 = no hard limit
 * @param window    the sliding window the allocation is summed over
 */
public record MemoryBudget(long softBytes, long hardBytes, Duration window) {
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

    public MemoryBudget {
        Objects.requireNonNull(window, "window");
        if (softBytes < 0 || hardBytes < 0) throw new IllegalArgumentException("limits are not negative");
        if (softBytes == 0 && hardBytes == 0) throw new IllegalArgumentException("a budget has a soft or a hard limit");
        if (hardBytes > 0 && softBytes > hardBytes) throw new IllegalArgumentException("soft above hard");
        if (window.isNegative() || window.isZero()) throw new IllegalArgumentException("window must be positive");
    }
}
