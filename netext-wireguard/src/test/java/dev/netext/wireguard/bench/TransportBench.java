package dev.netext.wireguard.bench;

import dev.netext.api.net.IpPrefix;
import dev.netext.wireguard.Device;
import dev.netext.wireguard.Key;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-packet cost of the data path through the public {@link Device} API: {@code seal} is TUN packet → cryptokey
 * routing → pad → ChaCha20-Poly1305 → datagram; {@code open} is datagram → index → decrypt → replay window → source
 * check → TUN. The open benchmark cycles through fresh sealed messages (a replayed one would be dropped early).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(java.util.concurrent.TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class TransportBench {
    static final InetSocketAddress A = new InetSocketAddress("192.0.2.1", 51820);
    static final InetSocketAddress B = new InetSocketAddress("192.0.2.2", 51820);

    @Param({"64", "1420"})
    int size;

    Device a, b;
    ByteBuffer packet;
    final List<byte[]> toB = new ArrayList<>();
    final List<byte[]> toA = new ArrayList<>();
    byte[][] sealed;
    int next;
    Blackhole hole;
    long sinkBytes;

    @Setup
    public void setup(Blackhole bh) {
        hole = bh;
        Key ak = Key.generatePrivate(), bk = Key.generatePrivate();
        a = new Device(ak, outbound(toB, true));
        b = new Device(bk, outbound(toA, false));
        var pa = a.addPeer(bk.publicKey());
        var pb = b.addPeer(ak.publicKey());
        pa.setEndpoint(B);
        pb.setEndpoint(A);
        a.addAllowedIp(pa, IpPrefix.parse("10.0.0.2/32"));
        b.addAllowedIp(pb, IpPrefix.parse("10.0.0.1/32"));
        packet = ByteBuffer.allocateDirect(size);
        packet.put(0, (byte) 0x45).putShort(2, (short) size).put(8, (byte) 64).put(9, (byte) 17);
        packet.put(12, new byte[] {10, 0, 0, 1}).put(16, new byte[] {10, 0, 0, 2});
        a.sendHandshakeInitiation(pa, false);
        for (int i = 0; i < 10 && !(toA.isEmpty() && toB.isEmpty()); i++) {
            for (byte[] m : List.copyOf(toB)) { toB.remove(m); b.receive(ByteBuffer.wrap(m), A); }
            for (byte[] m : List.copyOf(toA)) { toA.remove(m); a.receive(ByteBuffer.wrap(m), B); }
        }
        toB.clear();
        sealed = new byte[1 << 20 / Math.max(size, 256)][];
        for (int i = 0; i < sealed.length; i++) {
            a.send(packet.duplicate());
            sealed[i] = toB.removeFirst();
        }
        capture = false;
    }

    boolean capture = true;

    Device.Outbound outbound(List<byte[]> wire, boolean fromA) {
        return new Device.Outbound() {
            @Override public void sendDatagram(ByteBuffer d, InetSocketAddress to) {
                if (capture || !fromA) {
                    byte[] c = new byte[d.remaining()];
                    d.duplicate().get(c);
                    wire.add(c);
                } else {
                    sinkBytes += d.remaining();
                }
            }
            @Override public void deliverPacket(ByteBuffer p) { sinkBytes += p.remaining(); }
        };
    }

    @Benchmark
    public long seal() {
        a.send(packet.duplicate());
        return sinkBytes;
    }

    /** Opens one of a ring of pre-sealed messages; once the ring is used up they are replays (measured separately). */
    @Benchmark
    public long open() {
        if (next == sealed.length) {
            reseal();
        }
        b.receive(ByteBuffer.wrap(sealed[next++]), A);
        return sinkBytes;
    }

    private void reseal() {
        capture = true;
        for (int i = 0; i < sealed.length; i++) {
            a.send(packet.duplicate());
            sealed[i] = toB.removeFirst();
        }
        capture = false;
        next = 0;
    }
}
