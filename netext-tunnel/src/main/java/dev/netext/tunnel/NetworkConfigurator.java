package dev.netext.tunnel;

import dev.netext.api.tunnel.TunnelNetworkSettings;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Puts a tunnel's {@link TunnelNetworkSettings} into the system: addresses, MTU, link state, routes, policy rules.
 * The production implementation talks rtnetlink and records everything in the state ledger; the test kit's records
 * what was asked.
 */
public interface NetworkConfigurator {

    /** Replaces whatever was applied to {@code device} before with {@code settings}. */
    void apply(TunnelDevice device, TunnelNetworkSettings settings) throws IOException;

    /** Removes everything this configurator applied. Must not throw for objects already gone. */
    void clear(TunnelDevice device);

    /** The SO_MARK that exempts a socket from the tunnel's routes (see {@link dev.netext.api.tunnel.TunnelContext#bypassMark()}). */
    int bypassMark();

    /**
     * Whether {@link #apply} gives the settings' proxy ({@code NEProxySettings}) to the host; when not, the runtime
     * leaves it out and reports it ({@link RefusedSettings}) rather than let it be dropped silently.
     */
    default boolean appliesProxy() { return false; }

    /** Why this configurator applies no proxy, for the refusal's event when {@link #appliesProxy} is false. */
    default String proxyRefusal() { return RefusedSettings.PROXY_REASON; }

    /** Records a file the provider will create, for deletion after a crash (see {@code TunnelContext.recordOwnedFile}). */
    default void recordOwnedFile(Path path) throws IOException {}
}
