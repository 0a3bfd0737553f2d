package dev.netext.daemon.server;

import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelContext;

import java.util.Map;

/** A tunnel provider that fails once as {@link LifecycleScript} says, then applies the profile's settings. */
public class LifecycleTunnel implements PacketTunnelProvider {
    @Override
    public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
        LifecycleScript.atStart(options, context::spawn);
        context.setTunnelNetworkSettings(context.profileSettings());
    }

    @Override public void stopTunnel(StopReason reason) {}
}
