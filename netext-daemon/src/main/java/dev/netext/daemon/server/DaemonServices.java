package dev.netext.daemon.server;

import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.flows.FlowServices;
import dev.netext.daemon.plugin.ProviderResolver;

import java.nio.file.Path;

/**
 * What the daemon lends every component: the event log, the provider resolver (and with it each plugin's class
 * loader), the state directory for ledgers, the restart policy, and the shared flow state (flow ids, DNS names,
 * session rules, the flow table).
 */
public record DaemonServices(EventLog events, ProviderResolver resolver, Path stateDir, RestartPolicy restartPolicy,
                             FlowServices flows) {

    /** With flow services of their own on {@code events}. */
    public DaemonServices(EventLog events, ProviderResolver resolver, Path stateDir, RestartPolicy restartPolicy) {
        this(events, resolver, stateDir, restartPolicy, FlowServices.on(events));
    }
}
