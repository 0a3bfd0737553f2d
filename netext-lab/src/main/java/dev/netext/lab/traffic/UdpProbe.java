package dev.netext.lab.traffic;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.BitSet;

/**
 * Sends numbered UDP datagrams to an echo (or a reflector such as the {@code pong} tunnel provider) and counts the
 * answers: loss, round trips and throughput, with a bounded number in flight so the figure is what the path
 * sustains, not what a burst overflows. Bounded in count and time; runs in the caller's network namespace (create it
 * inside {@code NetworkNamespace.runInside}).
 *
 * <p>Each datagram starts with its sequence number (4 bytes) and send time (8 bytes); an answer counts once.
 */
public final class UdpProbe {
    /** What one run measured. */
    public record Result(int sent, int answered, Duration elapsed, long minRttNanos, long avgRttNanos, long maxRttNanos,
                         int payloadSize) {
        public double lossPercent() { return sent == 0 ? 0 : 100.0 * (sent - answered) / sent; }

        public double answeredPerSecond() { return answered / Math.max(1e-9, elapsed.toNanos() / 1e9); }

        /** Payload throughput of answers, one direction, in Mbit/s. */
        public double megabitsPerSecond() { return answeredPerSecond() * payloadSize * 8 / 1e6; }
    }

    private UdpProbe() {}

    /**
     * @param target   where to send
     * @param count    how many datagrams
     * @param size     payload bytes per datagram (at least 12)
     * @param window   how many may be unanswered at once
     * @param timeout  the whole run's limit; answers still missing then count as lost
     */
    public static Result run(InetSocketAddress target, int count, int size, int window, Duration timeout) throws IOException {
        if (size < 12) throw new IllegalArgumentException("size must be at least 12");
        StandardProtocolFamily family = target.getAddress() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
        try (DatagramChannel ch = DatagramChannel.open(family); Selector selector = Selector.open()) {
            // room for a whole window of answers: a full receive buffer would show up as path loss
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
            ch.connect(target);
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            ByteBuffer out = ByteBuffer.allocateDirect(size);
            ByteBuffer in = ByteBuffer.allocateDirect(Math.max(size, 2048));
            BitSet answered = new BitSet(count);
            long start = System.nanoTime();
            long deadline = start + timeout.toNanos();
            long rttSum = 0, rttMin = Long.MAX_VALUE, rttMax = 0;
            int sent = 0, got = 0, presumedLost = 0;
            long lastProgress = start;
            while (got < count && System.nanoTime() < deadline) {
                while (sent < count && sent - got - presumedLost < window) {
                    out.clear();
                    out.putInt(sent).putLong(System.nanoTime());
                    while (out.position() < size) out.put((byte) 0x5a);
                    out.flip();
                    if (ch.write(out) == 0) break;
                    sent++;
                }
                // a lost datagram would hold the window shut: after a quiet spell, reopen it by the amount lost
                if (selector.select(20) == 0) {
                    if (sent == count && System.nanoTime() - lastProgress > 500_000_000L) break; // the rest is lost
                    if (System.nanoTime() - lastProgress > 200_000_000L && sent - got - presumedLost >= window) {
                        presumedLost = sent - got;
                        lastProgress = System.nanoTime();
                    }
                    continue;
                }
                selector.selectedKeys().clear();
                int n;
                while (true) {
                    in.clear();
                    n = ch.read(in);
                    if (n <= 0) break;
                    in.flip();
                    if (n < 12) continue;
                    int seq = in.getInt();
                    long t = in.getLong();
                    if (seq < 0 || seq >= count || answered.get(seq)) continue;
                    answered.set(seq);
                    got++;
                    long rtt = System.nanoTime() - t;
                    rttSum += rtt;
                    rttMin = Math.min(rttMin, rtt);
                    rttMax = Math.max(rttMax, rtt);
                    lastProgress = System.nanoTime();
                }
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            return new Result(sent, got, elapsed, got == 0 ? 0 : rttMin, got == 0 ? 0 : rttSum / got, rttMax, size);
        }
    }
}
