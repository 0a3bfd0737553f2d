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
    void aSignalBeforeTheActionIsGivenRunsItAtOnce() throws Exception {
        Signals.Stop stop = new Signals.Stop();
        stop.request(); // the signal, while the command is still starting
        stop.await();   // does not block
        CountDownLatch ran = new CountDownLatch(1);
        stop.then(ran::countDown);
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void anActionGivenFirstRunsAtTheSignalOnce() throws Exception {
        Signals.Stop stop = new Signals.Stop();
        AtomicInteger runs = new AtomicInteger();
        stop.then(runs::incrementAndGet);
        assertThat(runs).hasValue(0);
        stop.request();
        stop.await();
        assertThat(runs).hasValue(1);
    }
}
