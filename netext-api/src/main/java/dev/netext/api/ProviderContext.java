package dev.netext.api;

import dev.netext.api.path.PathEvent;

import java.time.InstantSource;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * What the host gives every running provider, whatever its kind: the services {@code NEProvider} offers (logging,
 * path monitoring, stopping oneself), plus what netext adds: a way to publish events into the same ordered stream the
 * host writes its own events to, the socket mark that keeps a provider's own traffic out of itself, a declared memory
 * budget with a warning before it is enforced, and an injectable clock so provider code can be unit-tested.
 *
 * <p>Each provider kind has a context that extends this one ({@link dev.netext.api.tunnel.TunnelContext},
 * {@link dev.netext.api.dns.DnsProxyContext}, {@link dev.netext.api.filter.FilterContext},
 * {@link dev.netext.api.proxy.ProxyContext}); a packet filter needs nothing more and gets this one. All methods are
 * thread-safe.
 */
public interface ProviderContext {

    /** The provider's name from its profile: the name events, logs and the CLI use. */
    String name();

    ProviderKind kind();

    /** Logs a message under this provider's name, at info level. */
    void log(String message);

    /**
     * A {@link System.Logger} named {@code netext.provider.<name>}, for levels and exceptions. The host routes it to
     * the same place as {@link #log}.
     */
    default System.Logger logger() { return System.getLogger("netext.provider." + name()); }

    /**
     * Publishes a provider-defined event ({@link ProviderEvent.ProviderMessage}): the host stamps it with the next
     * global sequence number and the monotonic time, so it is ordered with the host's own events about this provider.
     *
     * @param type       a short stable identifier, e.g. {@code "backend.handshake"}
     * @param attributes string attributes; copied
     * @param flowId     the flow the event is about, or {@link ProviderEvent#NO_FLOW}
     */
    void publish(String type, Map<String, String> attributes, long flowId);

    /** {@link #publish(String, Map, long)} for an event about no particular flow. */
    default void publish(String type, Map<String, String> attributes) { publish(type, attributes, ProviderEvent.NO_FLOW); }

    /**
     * The SO_MARK the provider's own sockets must carry (its backend connection, its upstream resolvers, its proxied
     * connections) so that no netext provider, its own included, sees that traffic again.
     */
    int bypassMark();

    /**
     * Runs a long-lived loop on a named platform thread that the host owns: it is interrupted and joined when the
     * provider stops. A loop that throws fails the provider ({@link ProviderEvent.ProviderFailed}).
     */
    void spawn(String name, ThrowingRunnable loop);

    /** Subscribes to path changes (links, addresses, default route): {@code NWPathMonitor}. */
    void onPathChange(Consumer<PathEvent> listener);

    /** Stops this provider from inside: {@code cancelTunnelWithError} / {@code cancelProxyWithError}. */
    void cancel(Throwable error);

    /**
     * The provider's memory budget in bytes, when the profile sets one. Network Extension kills a provider that
     * exceeds an undocumented limit without telling it; netext declares the budget, warns at the soft limit
     * ({@link #onMemoryPressure}) and publishes {@link ProviderEvent.MemoryBudgetExceeded} before it acts.
     */
    default OptionalLong memoryBudgetBytes() { return OptionalLong.empty(); }

    /**
     * Subscribes to memory warnings: called on a host thread when usage crosses the soft limit, so the provider can
     * drop caches before the hard limit stops it. Hosts without a budget never call it.
     */
    default void onMemoryPressure(Consumer<ProviderEvent.MemoryBudgetExceeded> listener) {}

    /** The clock provider code should read instead of {@link System#currentTimeMillis()}, so tests can fix time. */
    default InstantSource clock() { return InstantSource.system(); }
}
