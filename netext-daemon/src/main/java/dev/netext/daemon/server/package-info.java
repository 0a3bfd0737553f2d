/**
 * netextd, the daemon: {@link dev.netext.daemon.server.Daemon} loads and validates the whole profile set, runs it
 * through the {@link dev.netext.daemon.server.Supervisor} (one {@link dev.netext.daemon.server.ProfileComponent}
 * per section of each profile, made by that section's {@link dev.netext.daemon.server.ComponentFactory}), reloads
 * by difference, applies on-demand rules ({@link dev.netext.daemon.server.OnDemandController}), and serves the
 * control socket and metrics. Each component's provider lives under a
 * {@link dev.netext.daemon.supervisor.ProviderSupervisor}: launch, crashes, restart with backoff
 * ({@link dev.netext.daemon.server.RestartPolicy}), memory budget and their events.
 */
package dev.netext.daemon.server;
