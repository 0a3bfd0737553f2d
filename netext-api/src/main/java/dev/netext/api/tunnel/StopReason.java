package dev.netext.api.tunnel;

/** Why a provider is being stopped: {@code NEProviderStopReason}, reduced to what happens on Linux. */
public enum StopReason {
    /** The user or admin stopped it ({@code netext down}, SIGINT/SIGTERM). */
    USER_INITIATED,
    /** The provider itself failed or called {@link TunnelContext#cancelTunnel}. */
    PROVIDER_FAILED,
    /** The profile was removed or changed so that this provider no longer runs. */
    CONFIGURATION_REMOVED,
    /** An on-demand rule disconnected it. */
    ON_DEMAND_DISCONNECT,
    /** The daemon is shutting down. */
    SHUTDOWN,
    /** The provider exceeded its memory budget. */
    MEMORY_LIMIT,
    /** The network path the tunnel needs went away. */
    NO_NETWORK_AVAILABLE
}
