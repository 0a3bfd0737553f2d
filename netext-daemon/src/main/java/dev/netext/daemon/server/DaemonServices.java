package dev.netext.daemon.server;

import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.plugin.ProviderResolver;

import java.nio.file.Path;

/**
 * What the daemon lends every component: the event log, the provider resolver (and with it each plugin's class
 * loader), the state directory for ledgers, and the restart policy.
 */
public record DaemonServices(EventLog events, ProviderResolver resolver, Path stateDir, RestartPolicy restartPolicy) {}
