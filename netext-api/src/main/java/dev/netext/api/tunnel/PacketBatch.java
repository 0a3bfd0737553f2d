package dev.netext.api.tunnel;

import dev.netext.api.net.IpFamily;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A reusable batch of raw IP packets in one direct buffer: the unit of {@link PacketFlow} I/O, the counterpart of
 * the packet and protocol arrays that {@code NEPacketTunnelFlow.readPackets} hands to its completion handler.
 *
 * <p>The batch owns {@link #capacity()} fixed-size slots, each a preallocated {@link ByteBuffer} view of the same
 * native memory, so reading, inspecting and writing packets allocates nothing. {@link #packet(int)} returns the
 * slot's view with position 0 and limit at the packet's end; the view is reused on the next read, so a provider
 * that keeps a packet must copy it. A slot whose length is set to 0 is skipped on write, which is how a provider
 * drops a packet from a batch it writes back.
 *
 * <p>Not thread-safe: one batch belongs to one loop.
 */
public final class PacketBatch {
    /** Default slot size: the largest IP packet a TUN device without offloads hands over. */
    public static final int DEFAULT_SLOT_SIZE = 65_535;
    public static final int DEFAULT_CAPACITY = 64;

    private final ByteBuffer memory;
    private final ByteBuffer[] slots;
    private final MemorySegment[] segments;
    private final int[] lengths;
    private final int slotSize;
    private int count;

    private PacketBatch(int capacity, int slotSize) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1");
        if (slotSize < 20) throw new IllegalArgumentException("slot size must hold an IP header");
        this.slotSize = slotSize;
        this.memory = ByteBuffer.allocateDirect(Math.multiplyExact(capacity, slotSize));
        this.slots = new ByteBuffer[capacity];
        this.segments = new MemorySegment[capacity];
        this.lengths = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            slots[i] = memory.slice(i * slotSize, slotSize);
            segments[i] = MemorySegment.ofBuffer(slots[i]);
        }
    }

    public static PacketBatch allocate(int capacity, int slotSize) {
        return new PacketBatch(capacity, slotSize);
    }

    public static PacketBatch allocate() {
        return new PacketBatch(DEFAULT_CAPACITY, DEFAULT_SLOT_SIZE);
    }

    public int capacity() { return slots.length; }

    public int slotSize() { return slotSize; }

    /** Packets in the batch. */
    public int count() { return count; }

    public boolean isEmpty() { return count == 0; }

    public boolean isFull() { return count == slots.length; }

    /** Empties the batch; slots keep their memory. */
    public void clear() { count = 0; }

    /** Packet {@code i} as a view with position 0 and limit at its length. The view is reused: copy to keep. */
    public ByteBuffer packet(int i) {
        checkIndex(i);
        return slots[i].clear().limit(lengths[i]);
    }

    /** The length of packet {@code i}; 0 means dropped. */
    public int length(int i) {
        checkIndex(i);
        return lengths[i];
    }

    /** Sets packet {@code i}'s length, after an in-place edit; 0 drops it from the next write. */
    public void setLength(int i, int length) {
        checkIndex(i);
        if (length < 0 || length > slotSize) throw new IllegalArgumentException("length " + length + " outside 0.." + slotSize);
        lengths[i] = length;
    }

    /** The family of packet {@code i} from its version nibble, or {@code null} if it is neither IPv4 nor IPv6. */
    public IpFamily family(int i) {
        checkIndex(i);
        return lengths[i] == 0 ? null : IpFamily.ofFirstByte(slots[i].get(0));
    }

    /** Appends a copy of {@code packet}'s remaining bytes. */
    public void add(ByteBuffer packet) {
        int len = packet.remaining();
        ByteBuffer slot = nextSlot();
        if (len > slotSize) throw new IllegalArgumentException("packet of " + len + " bytes exceeds slot size " + slotSize);
        slot.put(packet.duplicate());
        commit(len);
    }

    /** The next free slot, cleared for writing; follow with {@link #commit(int)}. */
    public ByteBuffer nextSlot() {
        if (count == slots.length) throw new IllegalStateException("batch is full");
        return slots[count].clear();
    }

    /** Native memory of the next free slot, for a device read; follow with {@link #commit(int)}. */
    public MemorySegment nextSegment() {
        if (count == slots.length) throw new IllegalStateException("batch is full");
        return segments[count];
    }

    /** Native memory of slot {@code i} up to its length, for a device write. */
    public MemorySegment segment(int i) {
        checkIndex(i);
        return segments[i].asSlice(0, lengths[i]);
    }

    /**
     * Native memory of slot {@code i}, the whole slot: no view is made (a hot path that must not allocate reads its
     * first {@link #length(int)} bytes itself).
     */
    public MemorySegment slotSegment(int i) {
        checkIndex(i);
        return segments[i];
    }

    /** Makes the next slot a packet of {@code length} bytes. */
    public void commit(int length) {
        if (count == slots.length) throw new IllegalStateException("batch is full");
        if (length < 0 || length > slotSize) throw new IllegalArgumentException("length " + length + " outside 0.." + slotSize);
        lengths[count++] = length;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("packet " + i + " of " + count);
    }
}
