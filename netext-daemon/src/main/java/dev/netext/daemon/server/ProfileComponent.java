package dev.netext.daemon.server;

import dev.netext.api.tunnel.StopReason;

import java.util.Map;

/**
 * One section of a running profile — its tunnel, its DNS proxy, its packet filter — as the {@link Supervisor} sees
 * it: something it starts, stops and asks about. Each section of the profile format has a {@link ComponentFactory}
 * that makes its component; the supervisor knows nothing else about sections.
 *
 * <p>A component owns its provider's class loader and threads, restarts its provider after a crash (reporting it in
 * the event log), and never lets a failure escape to the supervisor or to other components.
 */
public interface ProfileComponent {

    /** The section it runs: {@code tunnel}, {@code dns}, {@code packet-filter}, … */
    String kind();

    /**
     * Brings the component up. Returns at once: progress (connecting, connected, failures, restarts) is reported as
     * events and through {@link #status()}. Starting a started component does nothing.
     */
    void start();

    /**
     * Takes the component down and removes every trace of it from the system (devices, routes, rules, nft tables)
     * before returning; cancels pending restarts. Stopping a stopped component does nothing.
     */
    void stop(StopReason reason);

    ComponentStatus status();

    /**
     * The providers of this section that apps may send messages to, by the name {@code netext message --provider}
     * takes ({@code tunnel}, {@code dns}, {@code packet-filter}, {@code filter}, {@code proxy:NAME}); none by default.
     * Listed from the profile, running or not: a message to a provider that is down gets "not running".
     */
    default Map<String, MessageTarget> messageTargets() { return Map.of(); }
}
