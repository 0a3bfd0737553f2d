package dev.netext.wireguard;

import dev.netext.api.net.IpPrefix;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Two netext devices wired back to back in memory: A (10.0.0.1, fd00::1) and B (10.0.0.2, fd00::2), with a
 * preshared key. Datagrams queue up until {@link #pump()} delivers them, so tests can drop, replay or alter them.
 */
final class DevicePair {
    static final InetSocketAddress A_ADDR = new InetSocketAddress("192.0.2.1", 51820);
    static final InetSocketAddress B_ADDR = new InetSocketAddress("192.0.2.2", 51820);

    final FakeTime time = new FakeTime();
    final Key aKey = Key.generatePrivate(), bKey = Key.generatePrivate(), psk = Key.generatePreshared();
    final Side a, b;

    final class Side implements Device.Outbound {
        final InetSocketAddress addr;
        final ArrayDeque<byte[]> wire = new ArrayDeque<>();
        final List<byte[]> delivered = new ArrayList<>();
        final List<byte[]> sentLog = new ArrayList<>();
        Device device;
        Peer peer;

        Side(InetSocketAddress addr) { this.addr = addr; }

        @Override public void sendDatagram(ByteBuffer d, InetSocketAddress to) {
            byte[] copy = new byte[d.remaining()];
            d.duplicate().get(copy);
            wire.add(copy);
            sentLog.add(copy);
        }

        @Override public void deliverPacket(ByteBuffer p) {
            byte[] copy = new byte[p.remaining()];
            p.duplicate().get(copy);
            delivered.add(copy);
        }
    }

    DevicePair() {
        a = new Side(A_ADDR);
        b = new Side(B_ADDR);
        a.device = new Device(aKey, a, time, new Random(1), X25519::newPrivateKey);
        b.device = new Device(bKey, b, time, new Random(2), X25519::newPrivateKey);
        a.peer = a.device.addPeer(bKey.publicKey());
        b.peer = b.device.addPeer(aKey.publicKey());
        a.peer.setPresharedKey(psk);
        b.peer.setPresharedKey(psk);
        a.peer.setEndpoint(B_ADDR);
        b.peer.setEndpoint(A_ADDR);
        a.device.addAllowedIp(a.peer, IpPrefix.parse("10.0.0.2/32"));
        a.device.addAllowedIp(a.peer, IpPrefix.parse("fd00::2/128"));
        b.device.addAllowedIp(b.peer, IpPrefix.parse("10.0.0.1/32"));
        b.device.addAllowedIp(b.peer, IpPrefix.parse("fd00::1/128"));
    }

    Side other(Side s) { return s == a ? b : a; }

    /** Delivers queued datagrams both ways until none are left. */
    void pump() {
        for (int rounds = 0; rounds < 100 && (!a.wire.isEmpty() || !b.wire.isEmpty()); rounds++) {
            while (!a.wire.isEmpty()) b.device.receive(ByteBuffer.wrap(a.wire.poll()), A_ADDR);
            while (!b.wire.isEmpty()) a.device.receive(ByteBuffer.wrap(b.wire.poll()), B_ADDR);
        }
    }
}
