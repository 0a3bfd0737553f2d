package dev.netext.wireguard.bench;

import dev.netext.api.net.IpPrefix;
import dev.netext.testkit.packet.Packets;
import dev.netext.wireguard.AllowedIps;
import dev.netext.wireguard.Key;
import dev.netext.wireguard.Peer;
import dev.netext.wireguard.Device;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Cryptokey routing per packet: the destination lookup a sent packet makes and the source check a received one makes,
 * on a client's table (one peer owning 0.0.0.0/0 and ::/0: the walk ends at the root) and a server's (250 peers with a
 * /32 each under a /24 of the tunnel: a 32-step walk). {@code bothDirections} runs the two lookups on two threads at
 * once, as the device's sending and receiving threads do.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AllowedIpsBench {
    @Param({"client", "server"})
    public String table;

    private AllowedIps ips;
    private ByteBuffer out, in;

    @Setup
    public void setup() {
        Device device = new Device(Key.generatePrivate(), new Device.Outbound() {
            @Override public void sendDatagram(ByteBuffer datagram, InetSocketAddress to) { }
            @Override public void deliverPacket(ByteBuffer packet) { }
        });
        ips = device.allowedIps();
        if (table.equals("client")) {
            Peer p = device.addPeer(Key.generatePrivate().publicKey());
            ips.insert(IpPrefix.parse("0.0.0.0/0"), p);
            ips.insert(IpPrefix.parse("::/0"), p);
        } else {
            for (int i = 1; i <= 250; i++)
                ips.insert(IpPrefix.parse("10.9.0." + i + "/32"), device.addPeer(Key.generatePrivate().publicKey()));
        }
        out = ByteBuffer.allocateDirect(1500);
        out.put(Packets.icmpEcho("10.9.0.254", "10.9.0.77", 1, 1)).flip();
        in = ByteBuffer.allocateDirect(1500);
        in.put(Packets.icmpEcho("10.9.0.77", "10.9.0.254", 1, 1)).flip();
    }

    @Benchmark
    @Group("destinationAlone")
    public Peer destination() { return ips.lookupDestination(out); }

    @Benchmark
    @Group("bothDirections")
    public Peer sending() { return ips.lookupDestination(out); }

    @Benchmark
    @Group("bothDirections")
    public Peer receiving() { return ips.lookupSource(in); }
}
