package dev.netext.wireguard;

import dev.netext.api.tunnel.PacketBatch;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A TUN batch to sealed datagrams, the sealing spread over {@link CryptoWorkers} (wireguard-go's send.go pipeline,
 * one batch at a time):
 *
 * <pre>
 *   1. in order, caller:   route each packet, take its peer's next counter under the staging lock (or stage it)
 *   2. parallel, workers:  pad and seal each slot into the slot's own buffers
 *   3. in order, caller:   timers and {@link Device.Outbound#sendDatagram} slot by slot: each peer's datagrams leave
 *                          in counter order, and the batch reaches the UDP batcher as one burst
 * </pre>
 *
 * Slot buffers are preallocated and only grow (for a packet larger than any before), so a batch allocates nothing.
 * One thread (the TUN reader) uses an instance.
 */
public final class BatchSealer {
    /** Slot buffers start at a full-MTU datagram and grow on demand. */
    static final int INITIAL_SLOT = 2048;

    private final Device device;
    private final CryptoWorkers workers;
    private final ByteBuffer[] packets;
    private final ByteBuffer[] plain;
    private final ByteBuffer[] sealed;
    private final Peer[] peers;
    private final Keypair[] keypairs;
    private final long[] counters;
    private final InetSocketAddress[] endpoints;
    private final Peer[] stagedPeers;
    private final CryptoWorkers.RangeTask sealRange = this::sealRange;
    private int slots;
    private int stagedCount;

    public BatchSealer(Device device, CryptoWorkers workers, int capacity) {
        this.device = device;
        this.workers = workers;
        this.packets = new ByteBuffer[capacity];
        this.plain = new ByteBuffer[capacity];
        this.sealed = new ByteBuffer[capacity];
        this.peers = new Peer[capacity];
        this.keypairs = new Keypair[capacity];
        this.counters = new long[capacity];
        this.endpoints = new InetSocketAddress[capacity];
        this.stagedPeers = new Peer[capacity];
        for (int i = 0; i < capacity; i++) {
            plain[i] = ByteBuffer.allocateDirect(INITIAL_SLOT);
            sealed[i] = ByteBuffer.allocateDirect(INITIAL_SLOT + Messages.TRANSPORT_SIZE);
        }
    }

    /** Routes, seals and sends every packet of {@code batch} (at most this sealer's capacity). */
    public void send(PacketBatch batch) {
        int count = batch.count();
        if (count > packets.length) throw new IllegalArgumentException("batch of " + count + " > capacity " + packets.length);
        try {
            long now = device.nanoTime();
            for (int i = 0; i < count; i++) {
                if (batch.length(i) > 0) assign(batch.packet(i), now);
            }
            workers.forEach(slots, sealRange);
            Peer last = null;
            for (int s = 0; s < slots; s++) {
                device.afterSeal(peers[s], sealed[s], endpoints[s], packets[s].remaining());
                if (peers[s] != last) device.keepKeyFreshSending(peers[s], keypairs[s], now);
                last = peers[s];
            }
            for (int i = 0; i < stagedCount; i++) device.sendStaged(stagedPeers[i]);
        } finally {
            for (int s = 0; s < slots; s++) { packets[s] = null; peers[s] = null; keypairs[s] = null; endpoints[s] = null; }
            for (int i = 0; i < stagedCount; i++) stagedPeers[i] = null;
            slots = 0;
            stagedCount = 0;
        }
    }

    /** Step 1 for one packet: a slot with a counter, or staged behind a handshake (or dropped, counted). */
    private void assign(ByteBuffer packet, long now) {
        Peer peer = device.allowedIps().lookupDestination(packet);
        if (peer == null) { device.drop(Device.Drop.NO_PEER_FOR_DESTINATION); return; }
        InetSocketAddress to = peer.endpoint();
        if (to == null) { device.drop(Device.Drop.NO_ENDPOINT); return; }
        int length = packet.remaining();
        if (length > Constants.MAX_CONTENT_SIZE) { device.drop(Device.Drop.BAD_INNER_PACKET); return; }
        synchronized (peer.stagingLock) {
            Keypair keypair = peer.keypairs.current();
            long counter = peer.staged.isEmpty() && keypair != null && keypair.canSend(now) ? keypair.takeCounter() : -1;
            if (counter == -1) {
                device.stage(peer, packet);
                markStaged(peer);
                return;
            }
            int s = slots++;
            packets[s] = packet;
            peers[s] = peer;
            keypairs[s] = keypair;
            counters[s] = counter;
            endpoints[s] = to;
            ensureRoom(s, length + Constants.PADDING_MULTIPLE);
        }
    }

    /** Step 2, on any thread: each slot's packet padded and sealed into its own buffer. */
    private void sealRange(int from, int to) {
        for (int s = from; s < to; s++) device.sealPadded(keypairs[s], counters[s], packets[s], plain[s], sealed[s]);
    }

    private void markStaged(Peer peer) {
        for (int i = 0; i < stagedCount; i++) if (stagedPeers[i] == peer) return;
        stagedPeers[stagedCount++] = peer;
    }

    private void ensureRoom(int s, int plainBytes) {
        if (plain[s].capacity() < plainBytes) {
            plain[s] = ByteBuffer.allocateDirect(plainBytes);
            sealed[s] = ByteBuffer.allocateDirect(plainBytes + Messages.TRANSPORT_SIZE);
        }
    }
}
