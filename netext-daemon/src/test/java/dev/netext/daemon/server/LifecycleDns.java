package dev.netext.daemon.server;

import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsProxyContext;
import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.tunnel.StopReason;

import java.util.Map;

/**
 * A DNS proxy provider that fails once as {@link LifecycleScript} says, then lets the host decide every query. The
 * DNS host passes no options to its provider (a profile's section configures the host), so they come in here.
 */
public class LifecycleDns implements DnsProxyProvider {
    private final Map<String, Object> options;

    LifecycleDns(Map<String, Object> options) {
        this.options = options;
    }

    @Override
    public void startProxy(DnsProxyContext context, Map<String, Object> ignored) throws Exception {
        LifecycleScript.atStart(options, context::spawn);
    }

    @Override public void stopProxy(StopReason reason) {}

    @Override public DnsDecision handleQuery(DnsQuery query) { return new DnsDecision.Default(); }
}
