package dev.netext.wireguard;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A read burst of UDP datagrams on its way to decrypted packets, a {@link CryptoPipeline.Batch} (wireguard-go's
 * receive.go pipeline with several bursts in flight):
 *
 * <pre>
 *   1. in order, owner ({@link #add}):         a transport message's key pair from its index (the owner handles a
 *                                             handshake itself, after draining the pipeline)
 *   2. parallel, any thread ({@link #run}):   open each slot into the slot's own buffer
 *   3. in order, one thread ({@link #deliver}): replay check, timers, source check, {@link Device.Outbound#deliverPacket},
 *                                             then {@code afterDelivery} (the TUN write) — so each peer's packets reach
 *                                             the TUN in arrival order, one burst per write
 * </pre>
 *
 * The datagrams handed to {@link #add} must stay valid until this opener was delivered. Slot buffers are preallocated
 * and only grow, so a burst allocates nothing.
 */
public final class BatchOpener extends CryptoPipeline.Batch {
    static final int INITIAL_SLOT = 2048;

    private final Device device;
    private final Runnable afterDelivery;
    private final Messages.Transport view = new Messages.Transport();
    private final ByteBuffer[] datagrams;
    private final ByteBuffer[] plain;
    private final InetSocketAddress[] senders;
    private final Peer[] peers;
    private final Keypair[] keypairs;
    private final long[] counters;
    private final int[] lengths;
    private final int[] opened;
    private int slots;

    /** Up to {@code capacity} datagrams a burst; {@code afterDelivery} runs after each burst's packets are handed on. */
    public BatchOpener(Device device, int capacity, Runnable afterDelivery) {
        this.device = device;
        this.afterDelivery = afterDelivery;
        this.datagrams = new ByteBuffer[capacity];
        this.plain = new ByteBuffer[capacity];
        this.senders = new InetSocketAddress[capacity];
        this.peers = new Peer[capacity];
        this.keypairs = new Keypair[capacity];
        this.counters = new long[capacity];
        this.lengths = new int[capacity];
        this.opened = new int[capacity];
        for (int i = 0; i < capacity; i++) plain[i] = ByteBuffer.allocateDirect(INITIAL_SLOT);
    }

    public boolean isFull() { return slots == datagrams.length; }

    public boolean isEmpty() { return slots == 0; }

    /**
     * Step 1 for one transport message (its remaining bytes; the view is consumed) from {@code from}; a message of an
     * unknown index is dropped. The caller checks {@link #isFull} first and handles other message types itself.
     */
    public void add(ByteBuffer datagram, InetSocketAddress from) {
        view.wrap(datagram);
        IndexTable.Entry e = device.transportEntry(view.receiver());
        if (e == null) return;
        int s = slots++;
        lengths[s] = datagram.remaining();
        counters[s] = view.counter();
        datagrams[s] = datagram.position(datagram.position() + Messages.TRANSPORT_CONTENT);
        senders[s] = from;
        peers[s] = e.peer();
        keypairs[s] = e.keypair();
        if (plain[s].capacity() < datagram.remaining()) plain[s] = ByteBuffer.allocateDirect(datagram.remaining());
    }

    @Override
    protected int count() { return slots; }

    /** Step 2, on any thread. */
    @Override
    protected void run(int from, int to) {
        for (int s = from; s < to; s++) {
            try {
                opened[s] = keypairs[s].open(counters[s], datagrams[s], plain[s].clear());
            } catch (RuntimeException e) {
                opened[s] = -1;                            // counted as a decryption failure in step 3
            }
        }
    }

    /** Step 3, then the slots are cleared for reuse. */
    @Override
    protected void deliver() {
        try {
            for (int s = 0; s < slots; s++) {
                device.afterOpen(peers[s], keypairs[s], counters[s], opened[s], plain[s], lengths[s], senders[s]);
            }
            afterDelivery.run();
        } finally {
            for (int s = 0; s < slots; s++) { datagrams[s] = null; senders[s] = null; peers[s] = null; keypairs[s] = null; }
            slots = 0;
        }
    }
}
