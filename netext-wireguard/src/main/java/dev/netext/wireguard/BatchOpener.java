package dev.netext.wireguard;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A read burst of UDP datagrams to decrypted packets, the opening spread over {@link CryptoWorkers} (wireguard-go's
 * receive.go pipeline, one burst at a time):
 *
 * <pre>
 *   1. in order, {@link #add}:    type; a transport message's key pair from its index (handshakes: the burst so far
 *                                 is finished first, then the handshake is handled in place)
 *   2. parallel, {@link #flush}:  open each slot into the slot's own buffer
 *   3. in order, {@link #flush}:  replay check, timers, source check, {@link Device.Outbound#deliverPacket} — so each
 *                                 peer's packets reach the TUN sink in arrival order, as one burst
 * </pre>
 *
 * The datagrams handed to {@link #add} must stay valid until the next {@link #flush} returns. Slot buffers are
 * preallocated and only grow, so a burst allocates nothing. One thread (the UDP receive thread) uses an instance.
 */
public final class BatchOpener {
    static final int INITIAL_SLOT = 2048;

    private final Device device;
    private final CryptoWorkers workers;
    private final Messages.Transport view = new Messages.Transport();
    private final ByteBuffer[] datagrams;
    private final ByteBuffer[] plain;
    private final InetSocketAddress[] senders;
    private final Peer[] peers;
    private final Keypair[] keypairs;
    private final long[] counters;
    private final int[] lengths;
    private final int[] opened;
    private final CryptoWorkers.RangeTask openRange = this::openRange;
    private int slots;

    public BatchOpener(Device device, CryptoWorkers workers, int capacity) {
        this.device = device;
        this.workers = workers;
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

    /** Takes one datagram (its remaining bytes; the view is consumed) from {@code from}; opens a full burst at once. */
    public void add(ByteBuffer datagram, InetSocketAddress from) {
        if (Messages.typeOf(datagram) != Messages.TYPE_TRANSPORT) {
            flush();                                       // a handshake may retire or install what later slots use
            device.receive(datagram, from);
            return;
        }
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
        if (slots == datagrams.length) flush();
    }

    /** Opens and delivers everything added since the last flush. */
    public void flush() {
        if (slots == 0) return;
        try {
            workers.forEach(slots, openRange);
            for (int s = 0; s < slots; s++) {
                device.afterOpen(peers[s], keypairs[s], counters[s], opened[s], plain[s], lengths[s], senders[s]);
            }
        } finally {
            for (int s = 0; s < slots; s++) { datagrams[s] = null; senders[s] = null; peers[s] = null; keypairs[s] = null; }
            slots = 0;
        }
    }

    /** Step 2, on any thread. */
    private void openRange(int from, int to) {
        for (int s = from; s < to; s++) {
            try {
                opened[s] = keypairs[s].open(counters[s], datagrams[s], plain[s].clear());
            } catch (RuntimeException e) {
                opened[s] = -1;                            // counted as a decryption failure in step 3
            }
        }
    }
}
