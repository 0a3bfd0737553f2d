package dev.netext.daemon.server;

import dev.netext.api.flow.Flow;
import dev.netext.api.proxy.ClaimDecision;
import dev.netext.api.proxy.ProxiedTcpFlow;
import dev.netext.api.proxy.ProxyContext;
import dev.netext.api.proxy.ProxyProvider;
import dev.netext.api.tunnel.StopReason;

import java.util.Map;

/** A proxy provider that fails once as {@link LifecycleScript} says, then declines every flow. */
public class LifecycleProxy implements ProxyProvider {
    @Override
    public void startProxy(ProxyContext context, Map<String, Object> options) throws Exception {
        LifecycleScript.atStart(options, context::spawn);
    }

    @Override public void stopProxy(StopReason reason) {}

    @Override public ClaimDecision handleNewFlow(Flow flow) { return ClaimDecision.DECLINE; }

    @Override public void handleTcpFlow(ProxiedTcpFlow flow) { flow.close(); }
}
