package dev.netext.lab.traffic;

import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The lab's traffic helpers against each other on loopback: no namespace, no root. */
class LoopbackTrafficTest {
    @Test
    void probeCountsEveryDatagramTheEchoReturns() throws Exception {
        try (UdpEchoServer echo = UdpEchoServer.open(new InetSocketAddress("127.0.0.1", 0))) {
            UdpProbe.Result r = UdpProbe.run(echo.localAddress(), 2_000, 200, 32, Duration.ofSeconds(30));
            assertThat(r.sent()).isEqualTo(2_000);
            assertThat(r.answered()).isEqualTo(2_000);
            assertThat(echo.echoed()).isEqualTo(2_000);
            assertThat(r.minRttNanos()).isPositive().isLessThanOrEqualTo(r.avgRttNanos());
            assertThat(r.megabitsPerSecond()).isPositive();
        }
    }

    @Test
    void probeAtAPeerThatNeverAnswersCountsEverythingLost() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            UdpProbe.Result r = UdpProbe.run((InetSocketAddress) silent.getLocalSocketAddress(), 50, 64, 8, Duration.ofSeconds(10));
            assertThat(r.sent()).isEqualTo(50);
            assertThat(r.answered()).isZero();
            assertThat(r.lossPercent()).isEqualTo(100.0);
        }
    }

    @Test
    void helloServerAnswersWithTheHostAskedForAndThePeerItSaw() throws Exception {
        try (HelloHttpServer web = HelloHttpServer.open("127.0.0.1", 0);
             HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web.port() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("hello 127.0.0.1:" + web.port() + " from 127.0.0.1");
            assertThat(web.lastPeer()).isEqualTo("127.0.0.1");
        }
    }
}
