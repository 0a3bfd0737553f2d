package dev.netext.cli.dns;

import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetextProcess;
import dev.netext.testkit.netns.NetnsTest;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code netext dns serve} against hostile and lazy clients on loopback (docs/RELIABILITY.md): 500 random, truncated
 * and mutated datagrams, then 30 TCP connections that stall (nothing sent, half a length prefix, a prefix and part of
 * the message). While they are open a UDP and a TCP query are answered at once; the server closes every stalled
 * connection after its idle period (10 s); the garbage is counted as FORMERR or dropped, and the server stops cleanly.
 * The blocked name is answered by netext itself, so no upstream is needed.
 */
class DnsServeRobustnessIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 5353);
    private static final int NXDOMAIN = 3;

    @NetnsTest
    void malformedDatagramsAndStalledTcpClientsNeverStallTheServer(NetnsLab lab) throws Exception {
        NetworkNamespace ns = lab.namespace("dnsr");
        try (NetextProcess netext = NetextProcess.start(ns, "dns", "serve", "--listen", "127.0.0.1:5353",
                "--block", "blocked.test", "--default", "127.0.0.1:5399")) {
            netext.awaitLine(l -> l.contains("dns serving on"), WAIT)
                    .orElseThrow(() -> new AssertionError("netext did not start:\n" + netext.output()));

            // sockets opened inside the namespace stay in it, whichever thread uses them later
            List<Socket> stalled = ns.runInside(() -> {
                sendGarbage();
                List<Socket> open = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    Socket s = new Socket();
                    s.connect(SERVER, 3000);
                    byte[] partial = switch (i % 3) {
                        case 0 -> new byte[0];                              // connected, nothing sent
                        case 1 -> new byte[] {0};                           // half the length prefix
                        default -> Arrays.copyOf(new byte[] {0, 40}, 12);    // a 40-byte message, 10 bytes of it
                    };
                    s.getOutputStream().write(partial);
                    s.getOutputStream().flush();
                    open.add(s);
                }
                return open;
            });
            try {
                long t0 = System.nanoTime();
                int udp = ns.runInside(() -> rcode(udpQuery("a.blocked.test")));
                int tcp = ns.runInside(() -> rcode(tcpQuery("b.blocked.test")));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(udp).isEqualTo(NXDOMAIN);
                assertThat(tcp).isEqualTo(NXDOMAIN);
                assertThat(ms).as("both answered while 30 connections stall").isLessThan(2_000);

                // every stalled connection is closed by the server after its idle period
                for (Socket s : stalled) {
                    s.setSoTimeout(20_000);
                    assertThat(closedByPeer(s.getInputStream())).as("closed by the server").isTrue();
                }
            } finally {
                for (Socket s : stalled) s.close();
            }
            assertThat(ns.runInside(() -> rcode(tcpQuery("c.blocked.test")))).isEqualTo(NXDOMAIN);
            assertThat(netext.isAlive()).isTrue();
            assertThat(netext.terminate(WAIT)).isZero();
            String stopped = netext.awaitLine(l -> l.contains("dns stopped"), WAIT).orElseThrow(() -> new AssertionError(netext.output()));
            Matcher formErr = Pattern.compile("(\\d+) FORMERR").matcher(stopped);
            assertThat(formErr.find()).as(stopped).isTrue();
            assertThat(Long.parseLong(formErr.group(1))).as("garbage answered FORMERR: " + stopped).isPositive();
        }
    }

    /** Random bytes, truncations and byte flips of a valid query: 500 datagrams, no answer awaited. */
    private static void sendGarbage() throws IOException {
        Random r = new Random(0x646e73);
        byte[] valid = query(7, "x.blocked.test");
        try (DatagramSocket s = new DatagramSocket()) {
            for (int i = 0; i < 500; i++) {
                byte[] b = switch (i % 3) {
                    case 0 -> { byte[] x = new byte[r.nextInt(600)]; r.nextBytes(x); yield x; }
                    case 1 -> Arrays.copyOf(valid, r.nextInt(valid.length));
                    default -> {
                        byte[] x = valid.clone();
                        for (int k = r.nextInt(4); k >= 0; k--) x[12 + r.nextInt(x.length - 12)] = (byte) r.nextInt(256);
                        yield x;
                    }
                };
                s.send(new DatagramPacket(b, b.length, SERVER));
            }
        }
    }

    private static boolean closedByPeer(InputStream in) throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** A standard query for {@code name} type A, RD set (RFC 1035 §4.1). */
    static byte[] query(int id, String name) {
        var out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            out.write(label.length());
            out.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return out.toByteArray();
    }

    private static byte[] udpQuery(String name) throws IOException {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(2000);
            byte[] q = query(0x1111, name);
            s.send(new DatagramPacket(q, q.length, SERVER));
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            s.receive(p);
            return Arrays.copyOf(p.getData(), p.getLength());
        }
    }

    private static byte[] tcpQuery(String name) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(SERVER, 2000);
            s.setSoTimeout(2000);
            byte[] q = query(0x2222, name);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeShort(q.length);
            out.write(q);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] answer = new byte[in.readUnsignedShort()];
            in.readFully(answer);
            return answer;
        }
    }

    private static int rcode(byte[] message) { return message[3] & 0x0F; }
}
