package dev.netext.dns.upstream;

import dev.netext.api.flow.Endpoint;
import dev.netext.dns.wire.DnsWire;
import dev.netext.dns.wire.TestMessages;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DNS over TCP against a server that, like dnsmasq {@code --no-daemon}, serves one connection at a time until the
 * client closes it (issue 14 §1): the TCP for truncated answers ({@code idleSeconds} 0) must close its connection as
 * soon as nothing is in flight, and a query that meets a connection closing must go out on a new one.
 */
class TcpUpstreamTest {
    static EventLoopGroup group;
    OneConnectionAtATime server;

    @BeforeAll
    static void loops() {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterAll
    static void stopLoops() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @BeforeEach
    void start() throws IOException {
        server = new OneConnectionAtATime();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private TcpUpstream upstream(int idleSeconds) {
        return new TcpUpstream(Endpoint.parse("127.0.0.1:" + server.port()), new UpstreamIo(group, 0), idleSeconds);
    }

    private static CompletableFuture<byte[]> ask(TcpUpstream up, int id) {
        byte[] q = TestMessages.query(id, "n" + id + ".example", 1);
        return up.exchange(q, q.length, q.length, 2000);
    }

    @Test
    void withNoIdlePeriodTheConnectionClosesOnceNothingIsInFlight() throws Exception {
        try (TcpUpstream up = upstream(0)) {
            for (int i = 1; i <= 3; i++) {
                long t0 = System.nanoTime();
                assertThat(DnsWire.u16(ask(up, i).get(5, TimeUnit.SECONDS), DnsWire.ID)).isEqualTo(i);
                // the server sees the end of the connection: it may serve others now
                assertThat(server.closedByClient.poll(2, TimeUnit.SECONDS)).isEqualTo(i);
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1000);
                assertThat(up.connected()).isFalse();
            }
            assertThat(server.accepted.get()).isEqualTo(3);
        }
    }

    @Test
    void withAnIdlePeriodTheConnectionStaysForTheNextQuery() throws Exception {
        try (TcpUpstream up = upstream(10)) {
            for (int i = 1; i <= 3; i++) assertThat(DnsWire.u16(ask(up, i).get(5, TimeUnit.SECONDS), DnsWire.ID)).isEqualTo(i);
            assertThat(up.connected()).isTrue();
            assertThat(server.accepted.get()).isEqualTo(1);
            assertThat(server.closedByClient).isEmpty();
        }
    }

    @Test
    void queriesInFlightTogetherShareOneConnection() throws Exception {
        // the first answer waits until all five are out: an answer before the second query leaves nothing in flight,
        // and the connection closes by design (seen once on a busy machine)
        server.delayMillis = 100;
        try (TcpUpstream up = upstream(0)) {
            List<CompletableFuture<byte[]>> all = new ArrayList<>();
            for (int i = 1; i <= 5; i++) all.add(ask(up, i));
            for (int i = 1; i <= 5; i++) assertThat(DnsWire.u16(all.get(i - 1).get(5, TimeUnit.SECONDS), DnsWire.ID)).isEqualTo(i);
            assertThat(server.closedByClient.poll(2, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(server.accepted.get()).isEqualTo(1);
        }
    }

    @Test
    void aQueryThatMeetsTheConnectionClosingGoesOutOnANewOne() throws Exception {
        server.delayMillis = 100; // the second query is made in the first one's completion, on the connection's event loop
        try (TcpUpstream up = upstream(0)) {
            CompletableFuture<byte[]> first = ask(up, 1);
            CompletableFuture<byte[]> second = first.thenCompose(r -> ask(up, 2));
            assertThat(DnsWire.u16(second.get(5, TimeUnit.SECONDS), DnsWire.ID)).isEqualTo(2);
            assertThat(server.accepted.get()).isEqualTo(2);
        }
    }

    /** DNS over TCP on loopback, one connection at a time, each served until the client closes it. */
    static final class OneConnectionAtATime implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger accepted = new AtomicInteger();
        final LinkedBlockingQueue<Integer> closedByClient = new LinkedBlockingQueue<>(); // connection numbers, from 1
        volatile long delayMillis;

        OneConnectionAtATime() throws IOException {
            Thread.ofPlatform().daemon(true).name("one-connection-at-a-time").start(this::serve);
        }

        int port() { return socket.getLocalPort(); }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    int n = accepted.incrementAndGet();
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    while (true) {
                        int length;
                        try {
                            length = in.readUnsignedShort();
                        } catch (EOFException e) {
                            closedByClient.add(n);
                            break;
                        }
                        byte[] q = in.readNBytes(length);
                        if (delayMillis > 0) Thread.sleep(delayMillis);
                        byte[] a = TestMessages.response(q, 0, false, new byte[][]{TestMessages.rr(1, 60, TestMessages.a(10, 1, 2, 3))}, new byte[0][], -1);
                        out.writeShort(a.length);
                        out.write(a);
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // closed
                }
            }
        }

        @Override
        public void close() throws IOException { socket.close(); }
    }
}
