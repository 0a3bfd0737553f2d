package dev.netext.cli.pfilter;

import dev.netext.api.ProviderContext;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.tunnel.StopReason;
import dev.netext.wire.MalformedPacketException;
import dev.netext.wire.edit.PacketEditor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Test provider: replaces {@code find} with {@code replace} (same length; options, default hello → HELLO) in TCP and
 * UDP payloads, with the packet editor fixing checksums.
 */
public final class UpcaseProvider implements FilterPacketProvider {
    private byte[] find = "hello".getBytes(StandardCharsets.US_ASCII);
    private byte[] replace = "HELLO".getBytes(StandardCharsets.US_ASCII);

    @Override
    public void startFilter(ProviderContext context, Map<String, Object> options) {
        if (options.get("find") != null) find = String.valueOf(options.get("find")).getBytes(StandardCharsets.US_ASCII);
        if (options.get("replace") != null) replace = String.valueOf(options.get("replace")).getBytes(StandardCharsets.US_ASCII);
    }

    @Override public void stopFilter(StopReason reason) { }

    @Override
    public PacketVerdict handle(PacketContext context, ByteBuffer packet) {
        ByteBuffer copy = ByteBuffer.allocate(packet.remaining()).put(packet.duplicate()).flip();
        try {
            PacketEditor e = new PacketEditor().edit(copy);
            if (!(e.isTcp() || e.isUdp()) || e.replaceInPayload(find, replace) == 0) return PacketVerdict.ALLOW;
            e.finish();
            return new PacketVerdict.Modify(copy, false);
        } catch (MalformedPacketException ex) {
            return PacketVerdict.ALLOW;
        }
    }
}
