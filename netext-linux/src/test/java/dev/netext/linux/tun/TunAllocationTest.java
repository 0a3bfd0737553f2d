package dev.netext.linux.tun;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.linux.Root;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The read and write paths allocate nothing per packet once the JIT has compiled them (interpreted and C1 code
 * allocates around MemorySegment access, so the first rounds are warm-up). Measured with the per-thread allocation
 * counter of the thread doing the I/O, while a second thread floods the TUN through a UDP socket.
 */
class TunAllocationTest {
    private static final int PACKETS_PER_ROUND = 10_000;
    private static final long BUDGET_NANOS = 15_000_000_000L;

    @Test
    void steadyStateReadsAndWritesAllocateNothing() throws Exception {
        Root.assumeRootWithTun();
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(mx.isThreadAllocatedMemorySupported()).isTrue();
        InetAddress local = InetAddress.getByName("10.201.0.1");
        InetAddress peer = InetAddress.getByName("10.201.0.2");
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("alloc");
            try (TunDevice tun = ns.runInside(() -> TunDevice.open())) {
                ns.ip("addr", "add", local.getHostAddress() + "/24", "dev", tun.name());
                ns.linkUp(tun.name());
                DatagramSocket socket = ns.runInside(() -> new DatagramSocket(new InetSocketAddress(local, 0)));
                Thread sender = Thread.ofPlatform().name("udp flood").start(() -> flood(socket, peer));
                try {
                    PacketBatch in = PacketBatch.allocate(64, 2048);
                    PacketBatch out = PacketBatch.allocate(64, 2048);
                    // to a port nobody listens on: the kernel answers with (rate-limited) ICMP, which is harmless
                    ByteBuffer udp = Packets.udp(peer, 5, local, 9, new byte[64]);
                    while (!out.isFull()) out.add(udp.duplicate());

                    List<String> rounds = new ArrayList<>();
                    long deadline = System.nanoTime() + BUDGET_NANOS;
                    boolean clean = false;
                    while (!clean && System.nanoTime() < deadline) {
                        long before = mx.getCurrentThreadAllocatedBytes();
                        long read = 0;
                        while (read < PACKETS_PER_ROUND) read += tun.readBatch(in);
                        long afterRead = mx.getCurrentThreadAllocatedBytes();
                        long written = 0;
                        while (written < PACKETS_PER_ROUND) written += tun.writeBatch(out);
                        long afterWrite = mx.getCurrentThreadAllocatedBytes();
                        rounds.add("read %d: %d B, wrote %d: %d B".formatted(read, afterRead - before, written, afterWrite - afterRead));
                        clean = afterRead == before && afterWrite == afterRead;
                    }
                    assertThat(clean).as("a round without allocation; rounds: %s", rounds).isTrue();
                } finally {
                    sender.interrupt();
                    socket.close();
                    sender.join();
                }
            }
        }
    }

    private static void flood(DatagramSocket socket, InetAddress peer) {
        byte[] payload = new byte[100];
        DatagramPacket p = new DatagramPacket(payload, payload.length, peer, 9);
        try {
            for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                socket.send(p);
                if (i % 256 == 0) Thread.sleep(0, 100_000); // let the reader keep up with the 500-packet txqueue
            }
        } catch (Exception e) {
            // socket closed or interrupted: the test is over
        }
    }
}
