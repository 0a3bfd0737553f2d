package dev.netext.wireguard.tunnel;

import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.PacketFlow;
import dev.netext.wireguard.BatchOpener;
import dev.netext.wireguard.BatchSealer;
import dev.netext.wireguard.CryptoPipeline;
import dev.netext.wireguard.Device;
import dev.netext.wireguard.Key;
import dev.netext.wireguard.Peer;
import dev.netext.wireguard.config.WgQuickConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One running WireGuard interface: the protocol {@link Device}, its UDP socket and the TUN side, and the routines
 * that move packets between them.
 *
 * <pre>
 *   routineReadFromTun:  TUN batch → {@link BatchSealer} (route, counters) → seal pipeline, and read the next batch
 *                        while the workers seal; delivered in order → batcher → one flush per batch
 *   UDP receive thread:  recvmmsg burst → {@link BatchOpener} → open pipeline (opened on the workers; replay, source
 *                        check in order) → TunSink → one TUN write per burst
 *   routineTimers:       Device.tick at the next deadline (at most {@link #TIMER_GRANULARITY_NANOS} apart)
 * </pre>
 *
 * Each direction has one {@link CryptoPipeline} ({@link CryptoPipeline#defaultThreads()} workers besides the
 * direction's own thread, {@link CryptoPipeline#defaultDepth} batches in flight); batches are handed on in the order
 * they were read, each in slot order, so each peer's order holds. Small batches stay on the direction's thread.
 */
public final class WgInterface implements AutoCloseable {
    static final long TIMER_GRANULARITY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Device device;
    private final UdpTransport udp;
    private final Key privateKey;
    private final PacketFlow flow;
    private final CryptoPipeline<BatchSealer> sealPipeline;

    private WgInterface(Device device, UdpTransport udp, Key privateKey, PacketFlow flow, int threads, int depth) {
        this.device = device;
        this.udp = udp;
        this.privateKey = privateKey;
        this.flow = flow;
        BatchSealer[] sealers = new BatchSealer[depth];
        for (int i = 0; i < depth; i++) sealers[i] = new BatchSealer(device, flow.newBatch(), udp::flush);
        this.sealPipeline = new CryptoPipeline<>("wireguard-seal", sealers, threads);
    }

    /**
     * Binds the UDP socket (marked with {@code mark}), creates the device with {@code config}'s key and peers, and
     * starts the first handshakes of peers with a persistent keepalive (as wg does when such a peer is configured).
     */
    public static WgInterface start(WgQuickConfig config, PacketFlow flow, int mtu, int mark) throws IOException {
        TunSink sink = new TunSink(flow);
        UdpTransport udp = UdpTransport.bind(config.iface().listenPort(), mark);
        int threads = CryptoPipeline.defaultThreads();
        int depth = CryptoPipeline.defaultDepth(threads);
        WgInterface wg = null;
        try {
            Device device = new Device(config.iface().privateKey(), udp.outbound(sink));
            device.setMtu(mtu);
            wg = new WgInterface(device, udp, config.iface().privateKey(), flow, threads, depth);
            for (WgQuickConfig.PeerConfig p : config.peers()) wg.configure(p);
            udp.startReceiving(device, threads, depth, sink);
            for (Peer p : device.peers()) if (p.persistentKeepalive() > 0 && p.endpoint() != null) device.sendHandshakeInitiation(p, false);
            udp.flush();
            return wg;
        } catch (IOException | RuntimeException e) {
            udp.close();
            if (wg != null) wg.sealPipeline.close();
            throw e;
        }
    }

    private void configure(WgQuickConfig.PeerConfig pc) throws IOException {
        Peer peer = device.addPeer(pc.publicKey());
        if (pc.presharedKey() != null) peer.setPresharedKey(pc.presharedKey());
        if (pc.endpoint() != null) peer.setEndpoint(resolve(pc.endpoint()));
        for (IpPrefix a : pc.allowedIps()) device.addAllowedIp(peer, a);
        peer.setPersistentKeepalive(pc.persistentKeepalive());
    }

    static InetSocketAddress resolve(WgQuickConfig.Endpoint e) throws IOException {
        try {
            return new InetSocketAddress(InetAddress.getByName(e.host()), e.port());
        } catch (UnknownHostException ex) {
            throw new IOException("endpoint " + e + ": cannot resolve " + e.host(), ex);
        }
    }

    public Device device() { return device; }

    public UdpTransport udp() { return udp; }

    /** The interface's private key (for UAPI {@code get}, which hands it to root only). */
    public Key privateKey() { return privateKey; }

    /** TUN → peers until the device closes. */
    public void routineReadFromTun() throws IOException {
        try {
            while (true) {
                BatchSealer sealer = sealPipeline.acquire();
                if (flow.readPackets(sealer.input()) < 0) return;
                sealer.prepare();
                sealPipeline.submit(sealer);
            }
        } finally {
            sealPipeline.drain();
        }
    }

    /** Fires timers until interrupted. */
    public void routineTimers() {
        while (!Thread.currentThread().isInterrupted()) {
            long next = device.tick();
            udp.flush();
            long wait = next == Long.MAX_VALUE ? TIMER_GRANULARITY_NANOS
                    : Math.min(TIMER_GRANULARITY_NANOS, Math.max(1_000_000L, next - System.nanoTime()));
            LockSupport.parkNanos(wait);
        }
    }

    @Override
    public void close() {
        for (Peer p : device.peers()) p.timers().stop();
        udp.close();
        sealPipeline.close();
    }
}
