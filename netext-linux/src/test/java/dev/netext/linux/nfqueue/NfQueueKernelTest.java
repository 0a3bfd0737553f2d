package dev.netext.linux.nfqueue;

import dev.netext.linux.Root;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.state.LedgerEntry;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.net.DatagramPacket;
import java.net.DatagramSocket;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue against the real kernel, in a throw-away namespace: UDP to 127.0.0.1:9999 steered to queue 7 by
 * {@link QueueSteering}, received, and accepted, modified, dropped or decided for the whole flow.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NfQueueKernelTest {
    private static final int QUEUE = 7;

    @BeforeAll
    static void root() {
        Root.assumeRoot();
    }

    @Test
    void acceptModifyDropAndFlowCache(@TempDir Path run) throws Exception {
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("q");
            Iptables ipt = new Iptables(List.of("ip", "netns", "exec", ns.name()));
            ns.runInside(() -> {
                try (StateLedger ledger = StateLedger.create(run, LedgerKind.PACKET_FILTER);
                     NfQueue q = NfQueue.open(NfqConfig.of(QUEUE, false));
                     NfqBatch batch = new NfqBatch(16, 1 << 20);
                     DatagramSocket rx = new DatagramSocket(new InetSocketAddress("127.0.0.1", 9999));
                     DatagramSocket tx = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    assertThat(q.conntrackInfo()).as("this kernel has no conntrack glue for queues").isFalse();
                    rx.setSoTimeout(2000);
                    try (QueueSteering steering = QueueSteering.install(QUEUE,
                            List.of(new SteeringMatch(SteeringMatch.Direction.OUT, null, "udp", null, 9999)), false, ledger, ipt)) {
                        assertThat(ledger.entries()).extracting(LedgerEntry::kind)
                                .containsExactly("iptables-chain", "iptables-chain", "iptables-jump",   // IPv4
                                        "iptables-chain", "iptables-chain", "iptables-jump");           // IPv6

                        // 1. accept, with the state the steering rules put in the mark
                        send(tx, "hello");
                        NfqPacket p = receiveOne(q, batch);
                        assertThat(p.hook()).isEqualTo(NfqueueH.NF_INET_LOCAL_OUT);
                        assertThat(p.hwProtocol()).isEqualTo(0x0800);
                        assertThat(QueueMarks.field(p.mark())).isEqualTo(QueueMarks.STATE_NEW);
                        assertThat(payloadText(p)).endsWith("hello");
                        q.verdict(p.packetId(), NfqueueH.NF_ACCEPT, true, QueueMarks.cleared(p.mark()), null);
                        q.flush();
                        assertThat(receive(rx)).isEqualTo("hello");

                        // 2. modify: same length, UDP checksum 0 ("none", RFC 768) so no checksum code is needed here
                        send(tx, "hello");
                        p = receiveOne(q, batch);
                        // conntrack calls a UDP flow ESTABLISHED only once it has seen a reply
                        assertThat(QueueMarks.field(p.mark())).isEqualTo(QueueMarks.STATE_NEW);
                        byte[] pkt = p.payload().toArray(JAVA_BYTE);
                        int ihl = (pkt[0] & 0xF) * 4;
                        System.arraycopy("HELLO".getBytes(StandardCharsets.US_ASCII), 0, pkt, ihl + 8, 5);
                        pkt[ihl + 6] = 0;
                        pkt[ihl + 7] = 0;
                        q.verdict(p.packetId(), NfqueueH.NF_ACCEPT, true, QueueMarks.cleared(p.mark()), MemorySegment.ofArray(pkt));
                        q.flush();
                        assertThat(receive(rx)).isEqualTo("HELLO");

                        // 3. drop
                        send(tx, "gone");
                        p = receiveOne(q, batch);
                        q.verdict(p.packetId(), NfqueueH.NF_DROP, false, 0, null);
                        q.flush();
                        rx.setSoTimeout(300);
                        assertThat(receiveOrNull(rx)).isNull();
                        rx.setSoTimeout(2000);

                        // 4. flow cache: decide the flow on one packet; the next ones never reach the queue
                        send(tx, "decide");
                        p = receiveOne(q, batch);
                        q.verdict(p.packetId(), NfqueueH.NF_REPEAT, true,
                                QueueMarks.with(p.mark(), QueueMarks.DECIDED_ACCEPT), null);
                        q.flush();
                        assertThat(receive(rx)).isEqualTo("decide");
                        for (int i = 0; i < 5; i++) send(tx, "fast" + i);
                        for (int i = 0; i < 5; i++) assertThat(receive(rx)).isEqualTo("fast" + i);
                        assertThat(q.receive(batch, 200)).as("decided flow bypasses the queue").isZero();

                        // 5. a batch verdict releases several packets at once
                        try (DatagramSocket tx2 = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                            for (int i = 0; i < 3; i++) send(tx2, "b" + i);
                            int got = 0, maxId = 0;
                            long deadline = System.nanoTime() + 2_000_000_000L;
                            while (got < 3 && System.nanoTime() < deadline) {
                                int n = q.receive(batch, 200);
                                for (int i = 0; i < n; i++) maxId = Math.max(maxId, batch.get(i).packetId());
                                got += n;
                            }
                            assertThat(got).isEqualTo(3);
                            q.batchVerdict(maxId, NfqueueH.NF_ACCEPT, true, 0);
                            q.flush();
                            for (int i = 0; i < 3; i++) assertThat(receive(rx)).isEqualTo("b" + i);
                        }
                    }
                    String rules = ipt.tryRun(dev.netext.api.net.IpFamily.V4, List.of("-S")).output();
                    assertThat(rules).doesNotContain("NETEXT-PF");
                }
            });
        }
    }

    @Test
    void secondBindOfABoundQueueIsRefused() throws Exception {
        try (NetnsLab lab = NetnsLab.create()) {
            lab.namespace("b").runInside(() -> {
                try (NfQueue q = NfQueue.open(NfqConfig.of(QUEUE, true))) {
                    assertThat(q.queueNumber()).isEqualTo(QUEUE);
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> NfQueue.open(NfqConfig.of(QUEUE, true)))
                            .hasMessageContaining("bind queue 7");
                }
                // after close, the queue is free again
                NfQueue.open(NfqConfig.of(QUEUE, true)).close();
            });
        }
    }

    private static void send(DatagramSocket s, String text) throws Exception {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        s.send(new DatagramPacket(b, b.length, new InetSocketAddress("127.0.0.1", 9999)));
    }

    private static NfqPacket receiveOne(NfQueue q, NfqBatch batch) throws Exception {
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (q.receive(batch, 200) > 0) {
                assertThat(batch.size()).isEqualTo(1);
                return batch.get(0);
            }
        }
        throw new AssertionError("no packet queued");
    }

    private static String payloadText(NfqPacket p) {
        return new String(p.payload().toArray(JAVA_BYTE), StandardCharsets.ISO_8859_1);
    }

    private static String receive(DatagramSocket rx) throws Exception {
        String s = receiveOrNull(rx);
        if (s == null) throw new AssertionError("nothing received");
        return s;
    }

    private static String receiveOrNull(DatagramSocket rx) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        try {
            rx.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

}
