package dev.netext.wireguard;

import dev.netext.testkit.packet.Packets;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceTest {

    static ByteBuffer ping(String src, String dst, int seq) {
        return ByteBuffer.wrap(Packets.icmpEcho(src, dst, 7, seq));
    }

    @Test
    void handshakeRoundTripThenDataBothWaysAndFamilies() {
        DevicePair p = new DevicePair();
        p.a.device.send(ping("10.0.0.1", "10.0.0.2", 1));
        assertThat(p.a.wire).hasSize(1);
        assertThat(p.a.wire.peek()[0]).isEqualTo((byte) Messages.TYPE_INITIATION);
        p.pump();
        assertThat(p.b.delivered).hasSize(1);
        assertThat(Packets.parse(p.b.delivered.getFirst()).echoSeq()).isEqualTo(1);
        assertThat(p.a.peer.lastHandshake()).isNotNull();

        p.b.device.send(ping("fd00::2", "fd00::1", 2));
        p.pump();
        assertThat(p.a.delivered).hasSize(1);
        assertThat(Packets.parse(p.a.delivered.getFirst()).dst()).isEqualTo("fd00::1");
        assertThat(p.a.peer.currentKeypair().initiator()).isTrue();
        assertThat(p.b.peer.currentKeypair().initiator()).isFalse();
        assertThat(p.a.peer.txBytes()).isPositive();
        assertThat(p.b.peer.rxBytes()).isPositive();
    }

    @Test
    void responderDoesNotSendBeforeTheInitiatorConfirmsTheSession() {
        DevicePair p = new DevicePair();
        p.a.device.sendHandshakeInitiation(p.a.peer, false);
        p.b.device.receive(ByteBuffer.wrap(p.a.wire.poll()), DevicePair.A_ADDR);   // B answers, session is "next"
        assertThat(p.b.peer.currentKeypair()).isNull();
        p.b.device.send(ping("10.0.0.2", "10.0.0.1", 1));
        assertThat(p.b.wire.stream().filter(m -> m[0] == Messages.TYPE_TRANSPORT)).as("staged, not sent").isEmpty();
        p.pump();   // A consumes the response, sends a keepalive; B confirms and flushes
        assertThat(p.b.peer.currentKeypair()).isNotNull();
        assertThat(p.a.delivered).hasSize(1);
    }

    @Test
    void wrongPeerPublicKeyGetsNoResponseAndLeavesNoState() {
        DevicePair p = new DevicePair();
        RecordingOutbound out = new RecordingOutbound();
        Device stranger = new Device(Key.generatePrivate(), out);
        Peer toB = stranger.addPeer(p.bKey.publicKey());
        toB.setEndpoint(DevicePair.B_ADDR);
        stranger.sendHandshakeInitiation(toB, false);
        int indicesBefore = p.b.device.indexCount();
        p.b.device.receive(ByteBuffer.wrap(out.takeSent().getFirst()), new InetSocketAddress("192.0.2.9", 1));
        assertThat(p.b.wire).isEmpty();
        assertThat(p.b.device.drops(Device.Drop.HANDSHAKE_REJECTED)).isEqualTo(1);
        assertThat(p.b.device.indexCount()).isEqualTo(indicesBefore);
        assertThat(p.b.peer.endpoint()).isEqualTo(DevicePair.A_ADDR);
    }

    @Test
    void initiationForAnotherPublicKeyFailsMac1() {
        DevicePair p = new DevicePair();
        RecordingOutbound out = new RecordingOutbound();
        Device stranger = new Device(p.aKey, out);           // A's key, but believes B's key is some other key
        Peer wrong = stranger.addPeer(Key.generatePrivate().publicKey());
        wrong.setEndpoint(DevicePair.B_ADDR);
        stranger.sendHandshakeInitiation(wrong, false);
        p.b.device.receive(ByteBuffer.wrap(out.takeSent().getFirst()), DevicePair.A_ADDR);
        assertThat(p.b.wire).isEmpty();
        assertThat(p.b.device.drops(Device.Drop.BAD_MAC1)).isEqualTo(1);
    }

    @Test
    void wrongPresharedKeyCompletesNoHandshake() {
        DevicePair p = new DevicePair();
        p.b.peer.setPresharedKey(Key.generatePreshared());
        p.a.device.send(ping("10.0.0.1", "10.0.0.2", 1));
        p.pump();
        assertThat(p.a.device.drops(Device.Drop.HANDSHAKE_REJECTED)).as("A rejects B's response").isEqualTo(1);
        assertThat(p.a.peer.currentKeypair()).isNull();
        assertThat(p.b.delivered).isEmpty();
        assertThat(p.a.wire).isEmpty();
    }

    @Test
    void replayedTransportPacketsAreDropped() {
        DevicePair p = new DevicePair();
        p.a.device.send(ping("10.0.0.1", "10.0.0.2", 1));
        p.pump();
        p.a.device.send(ping("10.0.0.1", "10.0.0.2", 2));
        byte[] data = p.a.wire.poll();
        p.b.device.receive(ByteBuffer.wrap(data), DevicePair.A_ADDR);
        p.b.device.receive(ByteBuffer.wrap(data), DevicePair.A_ADDR);
        assertThat(p.b.delivered).hasSize(2);   // seq 1 and seq 2 once
        assertThat(p.b.device.drops(Device.Drop.REPLAYED)).isEqualTo(1);
    }

    @Test
    void replayedInitiationWithOlderOrSameTimestampIsIgnored() {
        DevicePair p = new DevicePair();
        p.a.device.sendHandshakeInitiation(p.a.peer, false);
        byte[] first = p.a.wire.poll();
        p.time.advance(Duration.ofSeconds(6));
        p.a.device.sendHandshakeInitiation(p.a.peer, false);
        byte[] second = p.a.wire.poll();
        p.b.device.receive(ByteBuffer.wrap(second), DevicePair.A_ADDR);
        assertThat(p.b.wire).hasSize(1);
        p.b.wire.clear();
        p.time.advance(Duration.ofSeconds(1));
        p.b.device.receive(ByteBuffer.wrap(first), DevicePair.A_ADDR);    // older timestamp
        p.b.device.receive(ByteBuffer.wrap(second), DevicePair.A_ADDR);   // same timestamp
        assertThat(p.b.wire).isEmpty();
        assertThat(p.b.device.drops(Device.Drop.HANDSHAKE_REJECTED)).isEqualTo(2);
    }

    @Test
    void underLoadAnInitiationWithoutMac2GetsACookieAndTheRetryWithItSucceeds() {
        DevicePair p = new DevicePair();
        p.b.device.handshakeBacklog(Constants.UNDER_LOAD_QUEUE_DEPTH);
        assertThat(p.b.device.underLoad()).isTrue();
        p.a.device.send(ping("10.0.0.1", "10.0.0.2", 1));
        p.b.device.receive(ByteBuffer.wrap(p.a.wire.poll()), DevicePair.A_ADDR);
        assertThat(p.b.wire).hasSize(1);
        assertThat(p.b.wire.peek()[0]).isEqualTo((byte) Messages.TYPE_COOKIE_REPLY);
        assertThat(p.b.device.drops(Device.Drop.UNDER_LOAD_COOKIE_SENT)).isEqualTo(1);
        assertThat(p.b.device.indexCount()).as("no handshake state for a cookie").isZero();
        p.a.device.receive(ByteBuffer.wrap(p.b.wire.poll()), DevicePair.B_ADDR);
        assertThat(p.a.peer.cookieGenerator().hasCookie()).isTrue();

        p.time.advance(Constants.REKEY_TIMEOUT.plusMillis(400));     // the retransmit timer resends, now with MAC2
        p.b.device.handshakeBacklog(Constants.UNDER_LOAD_QUEUE_DEPTH);
        p.a.device.tick();
        p.pump();
        assertThat(p.b.delivered).hasSize(1);

        // A cookie for one address does not serve another.
        p.time.advance(Duration.ofSeconds(10));
        p.b.device.handshakeBacklog(Constants.UNDER_LOAD_QUEUE_DEPTH);
        p.a.device.sendHandshakeInitiation(p.a.peer, false);
        p.b.device.receive(ByteBuffer.wrap(p.a.wire.poll()), new InetSocketAddress("192.0.2.77", 4000));
        assertThat(p.b.wire.poll()[0]).isEqualTo((byte) Messages.TYPE_COOKIE_REPLY);
    }

    @Test
    void cookieReplyNotForOurLastMessageIsRejected() {
        DevicePair p = new DevicePair();
        p.a.device.sendHandshakeInitiation(p.a.peer, false);
        byte[] init = p.a.wire.poll();
        CookieChecker other = new CookieChecker(Key.generatePrivate().publicKey(), p.time);
        byte[] reply = other.createReply(init, Messages.senderIndex(init), CookieChecker.sourceBytes(DevicePair.A_ADDR));
        p.a.device.receive(ByteBuffer.wrap(reply), DevicePair.B_ADDR);
        assertThat(p.a.device.drops(Device.Drop.COOKIE_REJECTED)).isEqualTo(1);
        assertThat(p.a.peer.cookieGenerator().hasCookie()).isFalse();
    }

    @Test
    void innerSourceOutsideAllowedIpsIsDropped() {
        DevicePair p = new DevicePair();
        p.a.device.addAllowedIp(p.a.peer, dev.netext.api.net.IpPrefix.parse("10.9.0.0/16"));
        p.a.device.send(ping("10.0.0.1", "10.0.0.2", 1));
        p.pump();
        p.a.device.send(ping("10.66.0.1", "10.9.1.1", 2)); // A routes it to B, but B does not allow source 10.66.0.1
        p.pump();
        assertThat(p.b.delivered).hasSize(1);
        assertThat(p.b.device.drops(Device.Drop.SOURCE_NOT_ALLOWED)).isEqualTo(1);
    }

    @Test
    void endpointRoamsToTheSourceOfAuthenticatedPackets() {
        DevicePair p = new DevicePair();
        p.a.device.send(ping("10.0.0.1", "10.0.0.2", 1));
        p.pump();
        p.a.device.send(ping("10.0.0.1", "10.0.0.2", 2));
        InetSocketAddress roamed = new InetSocketAddress("198.51.100.7", 40000);
        p.b.device.receive(ByteBuffer.wrap(p.a.wire.poll()), roamed);
        assertThat(p.b.peer.endpoint()).isEqualTo(roamed);
        p.b.device.receive(ByteBuffer.wrap(new byte[Messages.KEEPALIVE_SIZE]), new InetSocketAddress("203.0.113.1", 1));
        assertThat(p.b.peer.endpoint()).as("unauthenticated packets do not move the endpoint").isEqualTo(roamed);
    }

    @Test
    void transportPlaintextIsPaddedToSixteen() {
        DevicePair p = new DevicePair();
        p.a.device.send(ping("10.0.0.1", "10.0.0.2", 1));
        p.pump();
        for (int payload = 0; payload < 40; payload++) {
            byte[] pkt = Packets.udp("10.0.0.1", 1000, "10.0.0.2", 2000, new byte[payload]);
            p.a.device.send(ByteBuffer.wrap(pkt));
            byte[] msg = p.a.wire.poll();
            int content = msg.length - Messages.TRANSPORT_SIZE;
            assertThat(content % Constants.PADDING_MULTIPLE).isZero();
            assertThat(content).isBetween(pkt.length, pkt.length + 15);
            p.b.device.receive(ByteBuffer.wrap(msg), DevicePair.A_ADDR);
            assertThat(p.b.delivered.getLast()).as("padding removed on receive").isEqualTo(pkt);
        }
        assertThat(InnerPacket.paddingSize(1419, 1420)).isEqualTo(1);
        assertThat(InnerPacket.paddingSize(1420, 1420)).as("never past the MTU").isZero();
        assertThat(InnerPacket.paddingSize(1418, 1420)).isEqualTo(2);
        assertThat(InnerPacket.paddingSize(0, 1420)).isZero();
    }

    @Test
    void removedPeerLosesItsSessionsAndIndices() {
        DevicePair p = new DevicePair();
        p.a.device.send(ping("10.0.0.1", "10.0.0.2", 1));
        p.pump();
        assertThat(p.b.device.indexCount()).isPositive();
        p.b.device.removePeer(p.aKey.publicKey());
        assertThat(p.b.device.indexCount()).isZero();
        p.a.device.send(ping("10.0.0.1", "10.0.0.2", 2));
        p.pump();
        assertThat(p.b.delivered).hasSize(1);
        assertThat(p.b.device.drops(Device.Drop.UNKNOWN_INDEX)).isEqualTo(1);
    }
}
