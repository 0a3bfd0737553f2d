package dev.netext.daemon.server;

import dev.netext.api.ProviderStatus;

import java.util.Map;
import java.util.Objects;

/**
 * What a component reports to {@code netext status} and to metrics.
 *
 * @param kind      the section ({@code tunnel})
 * @param status    the provider's connection state
 * @param provider  the provider reference from the profile
 * @param detail    one human line: {@code on netext0}, {@code restarting in 2s}, …
 * @param restarts  restarts since the daemon loaded this profile
 * @param lastError the last failure, or null
 * @param counters  cumulative counters ({@code bytes_in}, {@code packets_out}, …)
 */
public record ComponentStatus(String kind, ProviderStatus status, String provider, String detail, long restarts,
                              String lastError, Map<String, Long> counters) {
    public ComponentStatus {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(status, "status");
        detail = detail == null ? "" : detail;
        counters = Map.copyOf(counters);
    }
}
