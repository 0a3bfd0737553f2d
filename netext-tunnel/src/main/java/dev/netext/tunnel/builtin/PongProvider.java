package dev.netext.tunnel.builtin;

import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.PacketBatch;
import dev.netext.api.tunnel.PacketFlow;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelContext;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.wire.AddressSet;
import dev.netext.wire.PacketReflector;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Built-in {@code pong}: a far end in a box. It answers ICMP and ICMPv6 echo requests and reflects UDP datagrams
 * (addresses and ports swapped) for every routed destination that is not one of the tunnel's own addresses, so
 * {@code ping 10.7.0.2} through a {@code 10.7.0.0/24} tunnel proves packets cross the device both ways. Everything
 * else is dropped. Replies are built in place in the batch that was read: no copies, no allocation.
 */
public final class PongProvider implements PacketTunnelProvider {
    @Override
    public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
        TunnelNetworkSettings settings = context.profileSettings();
        context.setTunnelNetworkSettings(settings);
        PacketReflector reflector = new PacketReflector(ownAddresses(settings));
        PacketFlow flow = context.packetFlow();
        context.spawn("pong", () -> {
            PacketBatch batch = flow.newBatch();
            while (flow.readPackets(batch) >= 0) {
                for (int i = 0; i < batch.count(); i++) {
                    ByteBuffer p = batch.packet(i);
                    int reply = reflector.reflect(p, 0, p.limit());
                    batch.setLength(i, reply == PacketReflector.DROP ? 0 : reply);
                }
                flow.writePackets(batch);
            }
        });
    }

    @Override
    public void stopTunnel(StopReason reason) {}

    static AddressSet ownAddresses(TunnelNetworkSettings settings) {
        byte[][] raw = settings.addresses().stream().map(IpPrefix::address).map(a -> a.getAddress()).toArray(byte[][]::new);
        return AddressSet.of(raw);
    }
}
