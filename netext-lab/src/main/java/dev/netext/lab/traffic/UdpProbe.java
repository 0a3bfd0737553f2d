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
            Tally tally = new Tally(count, window);
            long deadline = tally.start + timeout.toNanos();
            while (tally.got < count && System.nanoTime() < deadline) {
                while (tally.sent < count && tally.room() > 0) {
                    out.clear();
                    out.putInt(tally.sent).putLong(System.nanoTime());
                    while (out.position() < size) out.put((byte) 0x5a);
                    out.flip();
                    if (ch.write(out) == 0) break;
                    tally.sent(1);
                }
                if (selector.select(20) == 0) {
                    if (tally.quietSpellEnds()) break;
                    continue;
                }
                selector.selectedKeys().clear();
                int n;
                while (true) {
                    in.clear();
                    n = ch.read(in);
                    if (n <= 0) break;
                    in.flip();
                    if (n >= 12) tally.answer(in.getInt(), in.getLong());
                }
            }
            return tally.result(size);
        }
    }

    /**
     * The bookkeeping of a probe's run, whatever its socket: the window, answers counted once, round trips, and the
     * quiet spell that presumes the unanswered lost (one lost datagram would otherwise hold the window shut).
     */
    public static final class Tally {
        private final int count, window;
        private final BitSet answered;
        private final long start = System.nanoTime();
        private long lastProgress = start, rttSum, rttMin = Long.MAX_VALUE, rttMax;
        private int sent, got, presumedLost;

        public Tally(int count, int window) {
            this.count = count;
            this.window = window;
            this.answered = new BitSet(count);
        }

        public long start() { return start; }

        public int sent() { return sent; }

        public int got() { return got; }

        /** How many more may be sent now without exceeding the window. */
        public int room() { return window - (sent - got - presumedLost); }

        public void sent(int n) { sent += n; }

        /** Counts an answer carrying {@code seq} and its send time; a duplicate or foreign one counts nothing. */
        public void answer(int seq, long sentNanos) {
            if (seq < 0 || seq >= count || answered.get(seq)) return;
            answered.set(seq);
            got++;
            long rtt = System.nanoTime() - sentNanos;
            rttSum += rtt;
            rttMin = Math.min(rttMin, rtt);
            rttMax = Math.max(rttMax, rtt);
            lastProgress = System.nanoTime();
        }

        /**
         * After a wait with nothing to read: true when all were sent and nothing came for 0.5 s (the rest is lost);
         * after 0.2 s with the window full, reopens it by the amount unanswered.
         */
        public boolean quietSpellEnds() {
            long now = System.nanoTime();
            if (sent == count && now - lastProgress > 500_000_000L) return true;
            if (now - lastProgress > 200_000_000L && room() <= 0) {
                presumedLost = sent - got;
                lastProgress = now;
            }
            return false;
        }

        public Result result(int payloadSize) {
            return new Result(sent, got, Duration.ofNanos(System.nanoTime() - start), got == 0 ? 0 : rttMin,
                    got == 0 ? 0 : rttSum / got, rttMax, payloadSize);
        }
    }
}
