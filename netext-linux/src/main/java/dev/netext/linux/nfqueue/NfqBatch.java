package dev.netext.linux.nfqueue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The packets of one receive: up to {@link #capacity()} {@link NfqPacket} flyweights over one native receive buffer,
 * reused for every batch. Everything in it is valid until the next {@link NfQueue#receive}. Owned by the thread
 * that receives.
 */
public final class NfqBatch implements AutoCloseable {
    /** A queue datagram: one packet of up to 64 KiB plus its netlink headers and attributes. */
    static final int MAX_DATAGRAM = NfqueueH.MAX_PACKET + 1024;

    private final Arena arena = Arena.ofShared();
    final MemorySegment buffer;
    private final NfqPacket[] packets;
    int size;
    int errors;
    int lastErrno;

    /** @param capacity packets per batch; the buffer holds at least that many full-size datagrams' worth of small ones */
    public NfqBatch(int capacity, int bufferBytes) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be positive");
        if (bufferBytes < MAX_DATAGRAM) throw new IllegalArgumentException("buffer below " + MAX_DATAGRAM + " bytes");
        this.buffer = arena.allocate(bufferBytes, 8);
        this.packets = new NfqPacket[capacity];
        for (int i = 0; i < capacity; i++) packets[i] = new NfqPacket();
    }

    public int capacity() { return packets.length; }

    /** Packets received in the last {@link NfQueue#receive}. */
    public int size() { return size; }

    public NfqPacket get(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException(i);
        return packets[i];
    }

    NfqPacket slot(int i) { return packets[i]; }

    /** Error messages (NLMSG_ERROR, typically a verdict for a packet the kernel no longer holds) in the last receive. */
    public int errors() { return errors; }

    public int lastErrno() { return lastErrno; }

    void clear() {
        size = 0;
        errors = 0;
        lastErrno = 0;
    }

    @Override
    public void close() { arena.close(); }
}
