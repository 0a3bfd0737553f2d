package dev.netext.cli.pfilter;

import dev.netext.api.ProviderContext;
import dev.netext.api.filter.DelayedPacket;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.tunnel.StopReason;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Test provider: holds every packet for {@code delay-ms} (default 300), releasing them in arrival order. */
public final class DelayProvider implements FilterPacketProvider {
    private final ScheduledExecutorService releaser = Executors.newSingleThreadScheduledExecutor();
    private long delayMillis = 300;

    @Override
    public void startFilter(ProviderContext context, Map<String, Object> options) {
        if (options.get("delay-ms") != null) delayMillis = Long.parseLong(String.valueOf(options.get("delay-ms")));
    }

    @Override public void stopFilter(StopReason reason) { releaser.shutdownNow(); }

    @Override
    public PacketVerdict handle(PacketContext context, ByteBuffer packet) {
        PacketVerdict.Delay d = context.delay();
        DelayedPacket held = d.handle();
        // one releasing thread, equal delays: released in the order they arrived
        releaser.schedule(held::allow, delayMillis, TimeUnit.MILLISECONDS);
        return d;
    }
}
