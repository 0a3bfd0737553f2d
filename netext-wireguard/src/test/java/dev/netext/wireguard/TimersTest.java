package dev.netext.wireguard;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class TimersTest {
    final FakeTime time = new FakeTime();
    final List<String> actions = new ArrayList<>();
    final Timers.Actions record = new Timers.Actions() {
        @Override public void sendHandshakeInitiation(boolean retry) { actions.add(retry ? "retry" : "handshake"); }
        @Override public void sendKeepalive() { actions.add("keepalive"); }
        @Override public void zeroKeyMaterial() { actions.add("zero"); }
        @Override public void handshakeGaveUp() { actions.add("gave-up"); }
    };

    void at(Timers t, Duration d) {
        time.advance(d);
        t.fire(record);
    }

    @Test
    void retransmitsEveryRekeyTimeoutWithJitterThenGivesUpAndZeroes() {
        Timers t = new Timers(time, new Random(7));
        t.handshakeInitiated();
        long first = t.nextDeadline() - time.nanoTime();
        assertThat(first).isBetween(Constants.REKEY_TIMEOUT.toNanos(),
                Constants.REKEY_TIMEOUT.toNanos() + Constants.REKEY_TIMEOUT_JITTER_MAX_MS * 1_000_000L);
        at(t, Duration.ofMillis(4999));
        assertThat(actions).isEmpty();
        int retries = 0;
        for (int i = 0; i < 40 && !actions.contains("gave-up"); i++) {
            at(t, Duration.ofMillis(5334));
            if (actions.getLast().equals("retry")) {
                retries++;
                t.handshakeInitiated();     // what the device does after sending the retry
            }
        }
        assertThat(retries).isEqualTo(Constants.MAX_TIMER_HANDSHAKES + 1);
        assertThat(actions).contains("gave-up");
        actions.clear();
        at(t, Constants.ZERO_KEY_MATERIAL_AFTER);
        assertThat(actions).containsExactly("zero");
    }

    @Test
    void handshakeCompleteStopsRetransmission() {
        Timers t = new Timers(time, new Random(1));
        t.handshakeInitiated();
        t.handshakeComplete();
        at(t, Duration.ofSeconds(30));
        assertThat(actions).isEmpty();
        assertThat(t.handshakeAttempts()).isZero();
    }

    @Test
    void passiveKeepaliveAfterReceivingDataUnlessWeSentSomething() {
        Timers t = new Timers(time, new Random(1));
        t.dataReceived();
        at(t, Constants.KEEPALIVE_TIMEOUT.minusMillis(1));
        assertThat(actions).isEmpty();
        at(t, Duration.ofMillis(1));
        assertThat(actions).containsExactly("keepalive");

        actions.clear();
        t.dataReceived();
        t.anyAuthenticatedPacketSent();
        at(t, Constants.KEEPALIVE_TIMEOUT.multipliedBy(2));
        assertThat(actions).isEmpty();
    }

    @Test
    void dataReceivedWhileKeepalivePendingSchedulesAnotherOne() {
        Timers t = new Timers(time, new Random(1));
        t.dataReceived();
        t.dataReceived();
        at(t, Constants.KEEPALIVE_TIMEOUT);
        at(t, Constants.KEEPALIVE_TIMEOUT);
        assertThat(actions).containsExactly("keepalive", "keepalive");
    }

    @Test
    void newHandshakeWhenDataSentGetsNoAnswer() {
        Timers t = new Timers(time, new Random(3));
        t.dataSent();
        at(t, Constants.KEEPALIVE_TIMEOUT.plus(Constants.REKEY_TIMEOUT).minusMillis(1));
        assertThat(actions).isEmpty();
        at(t, Duration.ofMillis(Constants.REKEY_TIMEOUT_JITTER_MAX_MS + 1));
        assertThat(actions).containsExactly("handshake");

        actions.clear();
        t.dataSent();
        t.anyAuthenticatedPacketReceived();
        at(t, Duration.ofSeconds(60));
        assertThat(actions).isEmpty();
    }

    @Test
    void persistentKeepaliveAfterAnyTraversal() {
        Timers t = new Timers(time, new Random(1));
        t.anyAuthenticatedPacketTraversal();
        at(t, Duration.ofSeconds(100));
        assertThat(actions).as("off by default").isEmpty();
        t.setPersistentKeepalive(25);
        t.anyAuthenticatedPacketTraversal();
        at(t, Duration.ofSeconds(24));
        assertThat(actions).isEmpty();
        at(t, Duration.ofSeconds(1));
        assertThat(actions).containsExactly("keepalive");
    }

    @Test
    void sessionDerivedZeroesAfterThreeRejectAfterTimes() {
        Timers t = new Timers(time, new Random(1));
        t.sessionDerived();
        at(t, Constants.REJECT_AFTER_TIME.multipliedBy(3).minusSeconds(1));
        assertThat(actions).isEmpty();
        at(t, Duration.ofSeconds(1));
        assertThat(actions).containsExactly("zero");
    }

    @Test
    void stoppedTimersNeverFire() {
        Timers t = new Timers(time, new Random(1));
        t.handshakeInitiated();
        t.dataReceived();
        t.stop();
        t.sessionDerived();
        at(t, Duration.ofHours(1));
        assertThat(actions).isEmpty();
        assertThat(t.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void deviceRekeysAfterRekeyAfterTimeAndRefusesToSendAfterRejectAfterTime() {
        DevicePair p = new DevicePair();
        p.a.device.send(DeviceTest.ping("10.0.0.1", "10.0.0.2", 1));
        p.pump();
        Keypair first = p.a.peer.currentKeypair();
        p.time.advance(Constants.REKEY_AFTER_TIME.plusSeconds(1));
        p.a.device.send(DeviceTest.ping("10.0.0.1", "10.0.0.2", 2));
        assertThat(p.a.wire).as("data on the old session, then a new initiation").hasSize(2);
        assertThat(p.a.wire.getLast()[0]).isEqualTo((byte) Messages.TYPE_INITIATION);
        p.pump();
        assertThat(p.a.peer.currentKeypair()).isNotSameAs(first);
        assertThat(p.b.delivered).hasSize(2);

        // Expired sessions: a send stages the packet and starts a handshake instead.
        p.time.advance(Constants.REJECT_AFTER_TIME.plusSeconds(1));
        assertThat(p.a.peer.currentKeypair().canSend(p.time.nanoTime())).isFalse();
        p.a.device.send(DeviceTest.ping("10.0.0.1", "10.0.0.2", 3));
        assertThat(p.a.wire).hasSize(1);
        assertThat(p.a.wire.peek()[0]).isEqualTo((byte) Messages.TYPE_INITIATION);
        p.pump();
        assertThat(p.b.delivered).hasSize(3);
    }

    @Test
    void deviceZeroesSessionsAfterSilence() {
        DevicePair p = new DevicePair();
        p.a.device.send(DeviceTest.ping("10.0.0.1", "10.0.0.2", 1));
        p.pump();
        assertThat(p.a.device.indexCount()).isPositive();
        for (int i = 0; i < 60; i++) {
            p.time.advance(Duration.ofSeconds(10));
            p.a.device.tick();
            p.b.device.tick();
            p.pump();
        }
        assertThat(p.a.peer.currentKeypair()).isNull();
        assertThat(p.b.peer.currentKeypair()).isNull();
        assertThat(p.a.device.indexCount()).isZero();
        assertThat(p.b.device.indexCount()).isZero();
    }
}
