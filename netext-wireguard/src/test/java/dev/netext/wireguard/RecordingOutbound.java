package dev.netext.wireguard;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Keeps copies of everything a {@link Device} sends and delivers. */
final class RecordingOutbound implements Device.Outbound {
    record Datagram(byte[] bytes, InetSocketAddress to) {}

    final List<Datagram> sent = new ArrayList<>();
    final List<byte[]> delivered = new ArrayList<>();

    @Override
    public void sendDatagram(ByteBuffer datagram, InetSocketAddress to) {
        byte[] b = new byte[datagram.remaining()];
        datagram.duplicate().get(b);
        sent.add(new Datagram(b, to));
    }

    @Override
    public void deliverPacket(ByteBuffer packet) {
        byte[] b = new byte[packet.remaining()];
        packet.duplicate().get(b);
        delivered.add(b);
    }

    List<byte[]> takeSent() {
        List<byte[]> out = sent.stream().map(Datagram::bytes).toList();
        sent.clear();
        return out;
    }

    List<byte[]> takeDelivered() {
        List<byte[]> out = List.copyOf(delivered);
        delivered.clear();
        return out;
    }
}
