package dev.netext.cli.pfilter;

import dev.netext.api.ProviderContext;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.api.filter.PacketContext;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.tunnel.StopReason;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Test provider that misbehaves on purpose: for payloads starting "throw" it throws, "null" returns null, "junk"
 * returns a replacement that is not an IP packet of the right family, and it reads past the packet on "oob".
 */
public final class FlakyProvider implements FilterPacketProvider {
    @Override public void startFilter(ProviderContext context, Map<String, Object> options) { }

    @Override public void stopFilter(StopReason reason) { }

    @Override
    public PacketVerdict handle(PacketContext context, ByteBuffer packet) {
        int ihl = (packet.get(packet.position()) & 0xF) * 4;
        int at = packet.position() + ihl + 8;
        String head = packet.remaining() >= ihl + 12
                ? new String(new byte[] {packet.get(at), packet.get(at + 1), packet.get(at + 2), packet.get(at + 3)}) : "";
        return switch (head) {
            case "thro" -> throw new IllegalStateException("provider bug");
            case "null" -> null;
            case "junk" -> PacketVerdict.modify(ByteBuffer.wrap(new byte[] {0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
            case "oob!" -> PacketVerdict.modify(ByteBuffer.wrap(new byte[] {(byte) packet.get(packet.limit() + 10)}));
            default -> PacketVerdict.ALLOW;
        };
    }
}
