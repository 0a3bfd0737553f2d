package dev.netext.daemon.plugin;

import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelContext;

import java.util.Map;

/** Providers on the test class path. */
public final class TestProviders {
    private TestProviders() {}

    public static class Ok implements PacketTunnelProvider {
        @Override public void startTunnel(TunnelContext context, Map<String, Object> options) {}
        @Override public void stopTunnel(StopReason reason) {}
    }

    public static class NeedsArgs extends Ok {
        public NeedsArgs(String backend) {}
    }

    public abstract static class Abstract extends Ok {}

    public static class NotAProvider {}
}
