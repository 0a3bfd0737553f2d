package dev.netext.cli.pfilter;

import dev.netext.api.ProviderContext;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.tunnel.StopReason;

import java.nio.ByteBuffer;
import java.util.Map;

/** Test provider: allows everything and prints the process netext attributed each packet to. */
public final class ProcessReportingProvider implements FilterPacketProvider {
    @Override public void startFilter(ProviderContext context, Map<String, Object> options) {}

    @Override public void stopFilter(StopReason reason) {}

    @Override
    public PacketVerdict handle(PacketContext context, ByteBuffer packet) {
        ProcessInfo p = context.process();
        System.out.println("packet-process flow=" + context.flowId() + " pid=" + (p.pid().isPresent() ? p.pid().getAsInt() : -1)
                + " exe=" + p.executable().map(Object::toString).orElse("?") + " uid=" + (p.uid().isPresent() ? p.uid().getAsLong() : -1));
        System.out.flush();
        return PacketVerdict.ALLOW;
    }
}
