package dev.netext.linux.diag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.linux.Root;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The destroy broadcasts against the kernel, in a lab namespace: every closed connection is reported once with its
 * byte counts, in both families, whether closes come alone (read at once) or in a burst (gathered and read together,
 * none lost).
 */
class TcpCloseMonitorKernelTest {
    private static NetnsLab lab;
    private static NetworkNamespace ns;

    private record Close(long received, long acked) {}

    @BeforeAll
    static void setUp() throws Exception {
        Root.assumeRoot();
        lab = NetnsLab.create();
        ns = lab.namespace("closes");
        ns.ip("addr", "add", "fd00:c105::1/64", "dev", "lo", "nodad");
    }

    /** A monitor in the lab namespace that keeps each close's byte counts by the socket's own address. */
    private static TcpCloseMonitor recordingInto(Map<InetSocketAddress, Close> seen) throws Exception {
        return ns.runInside(() -> TcpCloseMonitor.open((local, remote, received, acked) ->
                seen.put(local, new Close(received, acked))));
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) lab.close();
    }

    @Test
    void aBurstOfClosesIsReportedWholeWithByteCounts() throws Exception {
        Map<InetSocketAddress, Close> seen = new ConcurrentHashMap<>();
        Set<InetSocketAddress> clients = new HashSet<>();
        int perFamily = 400;
        try (TcpCloseMonitor monitor = recordingInto(seen)) {
            for (String address : List.of("127.0.0.1", "fd00:c105::1")) {
                ns.runInside(() -> {
                    InetAddress a = InetAddress.getByName(address);
                    try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(a, 0), 512)) {
                        for (int i = 0; i < perFamily; i++) { // as fast as the loop goes: closes far closer than 5 ms
                            try (SocketChannel c = SocketChannel.open(server.getLocalAddress());
                                 SocketChannel s = server.accept()) {
                                c.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                                ByteBuffer in = ByteBuffer.allocate(3);
                                while (in.hasRemaining()) s.read(in);
                                s.write(ByteBuffer.wrap(new byte[] {9, 9, 9, 9, 9}));
                                ByteBuffer back = ByteBuffer.allocate(5);
                                while (back.hasRemaining()) c.read(back);
                                clients.add((InetSocketAddress) c.getLocalAddress());
                            }
                        }
                    }
                    return null;
                });
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!seen.keySet().containsAll(clients) && System.nanoTime() < deadline) Thread.sleep(10);
            // each connection closes two sockets here; read one wake-up each, the wake-ups would be twice the clients
            assertThat(monitor.wakeUps()).isLessThan(clients.size() / 2);
        }
        assertThat(clients).hasSize(2 * perFamily);
        assertThat(seen.keySet()).containsAll(clients);
        for (InetSocketAddress c : clients) // the client's own view: 5 bytes and a FIN in; SYN, 3 bytes, FIN acknowledged
            assertThat(seen.get(c)).isEqualTo(new Close(5 + 1, 1 + 3 + 1));
    }

    @Test
    void aCloseAfterAQuietSpellIsReported() throws Exception {
        Map<InetSocketAddress, Close> seen = new ConcurrentHashMap<>();
        try (TcpCloseMonitor monitor = recordingInto(seen)) {
            for (int round = 0; round < 3; round++) {
                Thread.sleep(3 * TcpCloseMonitor.GATHER_NANOS / 1_000_000); // quiet: the next close is read alone
                InetSocketAddress client = ns.runInside(() -> {
                    try (ServerSocketChannel server = ServerSocketChannel.open()
                            .bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
                         SocketChannel c = SocketChannel.open(server.getLocalAddress());
                         SocketChannel s = server.accept()) {
                        c.write(ByteBuffer.wrap(new byte[] {7}));
                        ByteBuffer in = ByteBuffer.allocate(1);
                        while (in.hasRemaining()) s.read(in);
                        return (InetSocketAddress) c.getLocalAddress();
                    }
                });
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!seen.containsKey(client) && System.nanoTime() < deadline) Thread.sleep(5);
                assertThat(seen).containsEntry(client, new Close(1, 1 + 1 + 1)); // the server's FIN; SYN, byte, FIN
            }
        }
    }
}
