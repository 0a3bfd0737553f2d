package dev.netext.cli;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stop signal taken before a command is ready is not lost: `netext up` with a packet filter printed "running on
 * queue" before it took SIGTERM, and a test that stopped it right after that line saw the JVM's default exit, 143.
 */
class SignalsStopTest {
    @Test
    void aSignalBeforeTheActionIsGivenWaitsForItAndRunsIt() throws Exception {
        Signals.Stop stop = new Signals.Stop();
        CountDownLatch ran = new CountDownLatch(1);
        Thread signal = Thread.ofPlatform().start(() -> stop.request(143)); // while the command is still starting
        while (!stop.asked()) Thread.onSpinWait();
        Thread.sleep(100);
        stop.then(ran::countDown); // the command is ready: now it says what stopping means
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        signal.join();
    }

    @Test
    void anActionGivenFirstRunsAtTheSignalOnce() {
        Signals.Stop stop = new Signals.Stop();
        AtomicInteger runs = new AtomicInteger();
        stop.then(runs::incrementAndGet);
        assertThat(runs).hasValue(0);
        stop.request(143);
        assertThat(runs).hasValue(1);
        assertThat(stop.asked()).isTrue();
    }
}
