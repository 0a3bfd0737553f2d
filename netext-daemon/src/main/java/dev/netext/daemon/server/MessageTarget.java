package dev.netext.daemon.server;

import dev.netext.daemon.supervisor.CallFailed;

import java.time.Duration;

/**
 * A provider of a profile that an app can send messages to ({@code handleAppMessage}, {@code netext message NAME
 * --provider KIND}): a tunnel, a DNS proxy, a packet filter, a flow filter, a custom proxy. Each goes through its
 * {@code ProviderSupervisor}'s bounded, capped {@code ask}.
 */
@FunctionalInterface
public interface MessageTarget {
    /**
     * The provider's reply (never null).
     *
     * @throws IllegalStateException the provider is not serving
     * @throws CallFailed            it threw (its own exception, {@link UnsupportedOperationException} when it does not
     *                               handle messages), did not answer in time, or has too many messages running
     */
    byte[] message(byte[] data, Duration timeout) throws CallFailed, InterruptedException;

    /** A provider that does not handle messages, whatever it is asked. */
    MessageTarget UNSUPPORTED = (data, timeout) -> {
        throw CallFailed.threw("handleAppMessage", new UnsupportedOperationException("does not handle messages"));
    };
}
