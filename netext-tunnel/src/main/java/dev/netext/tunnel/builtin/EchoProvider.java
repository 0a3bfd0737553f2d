package dev.netext.tunnel.builtin;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.api.tunnel.PacketFlow;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelContext;

import java.util.Map;

/**
 * Built-in {@code echo}: applies the profile's settings and writes every packet it reads straight back, unchanged.
 * The smallest correct provider — the one NE developers report failing on IPv6 — and a check that the host's
 * device, addresses and routes work for both families.
 */
public final class EchoProvider implements PacketTunnelProvider {
    @Override
    public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
        context.setTunnelNetworkSettings(context.profileSettings());
        PacketFlow flow = context.packetFlow();
        context.spawn("echo", () -> {
            PacketBatch batch = flow.newBatch();
            while (flow.readPackets(batch) >= 0) flow.writePackets(batch);
        });
    }

    @Override
    public void stopTunnel(StopReason reason) {}
}
