package dev.netext.dns.server;

import dev.netext.api.dns.DnsRecord;
import dev.netext.api.flow.Endpoint;
import dev.netext.dns.split.SplitDnsProvider;
import dev.netext.dns.upstream.ServerSpec;
import dev.netext.dns.wire.MessageBuilder;
import dev.netext.dns.wire.QueryView;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Heap bytes the server's I/O thread allocates per cached UDP answer (the dns role runs a small young generation, so
 * every byte here is young collections under load). Allocation is deterministic, unlike timing: the bound holds on a
 * loaded machine.
 */
class CachedAnswerAllocationTest {
    private static final int WARM_UP = 30_000;
    private static final int ROUND = 10_000;
    /**
     * What one cached answer may allocate on the I/O thread. Measured 300–307 B (402 B before the void promise and
     * the lazy rule label); what is left is Netty's: the received datagram, its sender address and slice, the copy's
     * ByteBuffer duplicate, the answer's envelope and its address bytes (see docs/PERFORMANCE.md).
     */
    private static final long MAX_BYTES_PER_ANSWER = 340;

    @Test
    void aCachedUdpAnswerAllocatesLittle() throws Exception {
        try (DatagramSocket upstream = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Thread upstreamThread = Thread.ofPlatform().daemon().start(() -> answerA(upstream));
            var config = DnsServerConfig.builder()
                    .listen(List.of(new Endpoint(InetAddress.getLoopbackAddress(), 0)))
                    .group("up", List.of(new ServerSpec.Udp(new Endpoint(InetAddress.getLoopbackAddress(), upstream.getLocalPort()))))
                    .defaultGroup("up").cacheEntries(100).ioThreads(1).build();
            try (DnsProxyServer server = DnsProxyServer.start(config, new SplitDnsProvider(List.of(), "up"), "alloc", null)) {
                client.setSoTimeout(2000);
                client.connect(server.udpAddresses().getFirst());
                byte[] query = query("cached.example");
                byte[] answer = new byte[512];
                ask(client, query, answer, WARM_UP); // the first fills the cache; the rest let the JIT settle
                long[] ioThreads = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().startsWith("netext-dns-alloc")).mapToLong(Thread::threadId).toArray();
                assertThat(ioThreads).hasSize(1);
                var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
                // the least of a few rounds: on a loaded machine the JIT may still be compiling after the warm-up
                long perAnswer = Long.MAX_VALUE;
                int rounds = 0;
                for (; rounds < 8 && perAnswer > MAX_BYTES_PER_ANSWER; rounds++) {
                    long before = mx.getThreadAllocatedBytes(ioThreads[0]);
                    ask(client, query, answer, ROUND);
                    perAnswer = Math.min(perAnswer, (mx.getThreadAllocatedBytes(ioThreads[0]) - before) / ROUND);
                }
                System.out.printf("cached UDP answer: %d bytes allocated on the I/O thread%n", perAnswer);
                assertThat(server.cache().misses()).isEqualTo(1); // the first query; every other one was a cached answer
                assertThat(server.cache().hits()).isEqualTo(WARM_UP - 1 + (long) rounds * ROUND);
                assertThat(perAnswer).as("bytes allocated per cached answer").isLessThanOrEqualTo(MAX_BYTES_PER_ANSWER);
            } finally {
                upstream.close();
                upstreamThread.join(2000);
            }
        }
    }

    private static void ask(DatagramSocket client, byte[] query, byte[] answer, int times) throws Exception {
        DatagramPacket in = new DatagramPacket(answer, answer.length);
        for (int i = 0; i < times; i++) {
            query[0] = (byte) (i >> 8);
            query[1] = (byte) i;
            client.send(new DatagramPacket(query, query.length));
            in.setLength(answer.length);
            client.receive(in);
            assertThat(answer[0] == query[0] && answer[1] == query[1] && in.getLength() > query.length).isTrue();
        }
    }

    /** A recursive A query for {@code name}. */
    private static byte[] query(String name) {
        byte[] q = new byte[12 + name.length() + 2 + 4];
        q[2] = 0x01; // RD
        q[5] = 1;    // QDCOUNT
        int p = 12;
        for (String label : name.split("\\.")) {
            q[p++] = (byte) label.length();
            for (char c : label.toCharArray()) q[p++] = (byte) c;
        }
        q[p++] = 0;
        q[p + 1] = 1; // A
        q[p + 3] = 1; // IN
        return q;
    }

    /** The upstream: every A query gets 192.0.2.1 for an hour. */
    private static void answerA(DatagramSocket socket) {
        byte[] buf = new byte[512];
        byte[] out = new byte[512];
        QueryView q = new QueryView();
        try {
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                if (q.parse(buf, p.getLength()) != QueryView.OK) continue;
                int n = MessageBuilder.answer(q, List.of(DnsRecord.a(q.name(), 3600,
                        (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, 1}))), out);
                socket.send(new DatagramPacket(out, n, p.getSocketAddress()));
            }
        } catch (SocketException closed) {
            // closed: the test is over
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
