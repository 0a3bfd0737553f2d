/**
 * One provider's life under the daemon, written once for every component: {@link
 * dev.netext.daemon.supervisor.ProviderSupervisor} (launch, crash, back-off, restart, memory budget, events) and
 * {@link dev.netext.daemon.supervisor.ProviderRun} (one instance: its bounded calls, loops and cancel).
 */
package dev.netext.daemon.supervisor;
