package dev.netext.daemon.server;

import dev.netext.api.ProviderContext;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.tunnel.StopReason;

import java.nio.ByteBuffer;
import java.util.Map;

/** A packet filter that fails once as {@link LifecycleScript} says, then accepts every packet. */
public class LifecyclePacketFilter implements FilterPacketProvider {
    @Override
    public void startFilter(ProviderContext context, Map<String, Object> options) throws Exception {
        LifecycleScript.atStart(options, context::spawn);
    }

    @Override public void stopFilter(StopReason reason) {}

    @Override public PacketVerdict handle(PacketContext context, ByteBuffer packet) { return PacketVerdict.ALLOW; }
}
