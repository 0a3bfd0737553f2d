package dev.netext.wireguard;

import dev.netext.api.tunnel.PacketBatch;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One TUN batch on its way to sealed datagrams, a {@link CryptoPipeline.Batch} (wireguard-go's send.go pipeline with
 * several batches in flight):
 *
 * <pre>
 *   1. in order, owner ({@link #prepare}):  route each packet of {@link #input}, take its peer's next counter under the
 *                                           staging lock (or stage it)
 *   2. parallel, any thread ({@link #run}):  pad and seal each slot into the slot's own buffers
 *   3. in order, one thread ({@link #deliver}): timers and {@link Device.Outbound#sendDatagram} slot by slot, then
 *                                           {@code afterDelivery} (the UDP flush): each peer's datagrams leave in
 *                                           counter order, and the batch reaches the UDP batcher as one burst
 * </pre>
 *
 * Counters are taken in step 1 and the pipeline delivers batches in the order they were prepared, so counter order
 * and wire order agree across batches too. The input batch and the slot buffers are this object's own and reused
 * (slot buffers only grow, for a packet larger than any before): a batch allocates nothing.
 */
public final class BatchSealer extends CryptoPipeline.Batch {
    /** Slot buffers start at a full-MTU datagram and grow on demand. */
    static final int INITIAL_SLOT = 2048;

    private final Device device;
    private final PacketBatch input;
    private final Runnable afterDelivery;
    private final ByteBuffer[] packets;
    private final ByteBuffer[] plain;
    private final ByteBuffer[] sealed;
    private final Peer[] peers;
    private final Keypair[] keypairs;
    private final long[] counters;
    private final InetSocketAddress[] endpoints;
    private final Peer[] stagedPeers;
    private int slots;
    private int stagedCount;
    private long now;

    /** Seals what is read into {@code input}; {@code afterDelivery} runs after each batch's datagrams are handed on. */
    public BatchSealer(Device device, PacketBatch input, Runnable afterDelivery) {
        int capacity = input.capacity();
        this.device = device;
        this.input = input;
        this.afterDelivery = afterDelivery;
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

    /** Where the owner reads the next TUN batch (free again once this sealer was delivered). */
    public PacketBatch input() { return input; }

    /** Step 1 over every packet of {@link #input}: a slot with a counter each, or staged behind a handshake. */
    public void prepare() {
        now = device.nanoTime();
        for (int i = 0, count = input.count(); i < count; i++) {
            if (input.length(i) > 0) assign(input.packet(i), now);
        }
    }

    @Override
    protected int count() { return slots; }

    /** Step 2, on any thread: each slot's packet padded and sealed into its own buffer. */
    @Override
    protected void run(int from, int to) {
        for (int s = from; s < to; s++) device.sealPadded(keypairs[s], counters[s], packets[s], plain[s], sealed[s]);
    }

    /** Step 3: the datagrams out in slot order, staged packets, the flush; then the slots are cleared for reuse. */
    @Override
    protected void deliver() {
        try {
            Peer last = null;
            for (int s = 0; s < slots; s++) {
                device.afterSeal(peers[s], sealed[s], endpoints[s], packets[s].remaining());
                if (peers[s] != last) device.keepKeyFreshSending(peers[s], keypairs[s], now);
                last = peers[s];
            }
            for (int i = 0; i < stagedCount; i++) device.sendStaged(stagedPeers[i]);
            afterDelivery.run();
        } finally {
            for (int s = 0; s < slots; s++) { packets[s] = null; peers[s] = null; keypairs[s] = null; endpoints[s] = null; }
            for (int i = 0; i < stagedCount; i++) stagedPeers[i] = null;
            slots = 0;
            stagedCount = 0;
            input.clear();
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
