package dev.netext.linux.tun;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * One queue of a {@link TunDevice}: one non-blocking fd attached to the device, and the packet I/O on it.
 *
 * <p><b>Threading model.</b> A queue is meant to be driven by one reader thread and one writer thread (they may be the
 * same thread). Reads and writes each own their preallocated native scratch memory (pollfd array, iovecs, vnet
 * header), so a read and a write may run concurrently, but two concurrent {@link #readBatch} calls on one queue, or two
 * concurrent {@link #writeBatch} calls, are not supported. Multi-queue devices scale by giving each queue its own
 * threads. {@link TunDevice#close()} may be called from any thread at any time.
 *
 * <p><b>No allocation per packet.</b> Packets are read straight into the batch's native slots and written straight from
 * them with {@code writev}, the slot addresses cached per batch ({@link SlotAddresses}); pollfd arrays and iovecs are
 * allocated once, when the device is opened, in the device's arena.
 *
 * <p><b>Offloads</b> ({@link TunOptions#offload()}): reads take whole TCP super-packets (up to 64 KiB, one syscall for
 * dozens of segments) and cut them into the batch ({@link GsoSplitter}; what does not fit waits for the next call);
 * writes merge runs of segments that continue one TCP stream into one super-packet ({@link TcpCoalescer}). Callers
 * see ordinary packets either way.
 *
 * <p>Reads and writes block in {@code poll(2)} (never in {@code read(2)}), so call them from platform threads: a blocked
 * FFM downcall pins a virtual thread's carrier.
 */
public final class TunQueue {
    /** sizeof(struct virtio_net_hdr): the kernel's default TUNSETVNETHDRSZ. */
    public static final int VNET_HDR_LEN = 10;
    /** The largest packet a TUN device with TSO hands over (the kernel's GSO_LEGACY_MAX_SIZE). */
    static final int MAX_SUPER_PACKET = 65_536;
    /** At most this many packets merge into one write (iovecs preallocated for them). */
    static final int MAX_RUN_PACKETS = 64;
    /** Room for an IPv6 header and the longest TCP header. */
    static final int MAX_HEADERS = 40 + 60;
    /** How long a write waits for the device to accept a packet before dropping it. */
    static final int WRITE_WAIT_MILLIS = 20;

    private static final long POLLFD_SIZE = Libc.POLLFD.byteSize();
    private static final long IOVEC_SIZE = Libc.IOVEC.byteSize();
    private static final long REVENTS = 6;

    static {
        // Slot addresses are stored into iov_base as 64-bit integers; netext supports 64-bit Linux only.
        if (ADDRESS.byteSize() != Long.BYTES) throw new ExceptionInInitializerError("netext needs a 64-bit JVM");
    }

    private final TunDevice device;
    private final int index;
    private final int fd;
    private final int eventFd;
    private final boolean vnetHdr;
    private final CloseGate gate;

    private final MemorySegment readPoll;
    private final MemorySegment writePoll;
    private final MemorySegment readIov;
    /** Plain mode: one iovec, the packet. vnet mode: the zeroed header, then the packet. */
    private final MemorySegment writeIov;
    private final int writeIovCount;
    private final long writePacketIov;
    private final SlotAddresses slotAddresses = new SlotAddresses();
    private final AtomicLong writeDrops = new AtomicLong();
    private final AtomicLong readDrops = new AtomicLong();
    /** Offload mode: the read header and the super-packet it describes, cut into the batch over one or more reads. */
    private final boolean offload;
    private final MemorySegment readHeader;
    private final MemorySegment superPacket;
    private int superLen;
    private int superHdrLen;
    private int superGsoSize;
    /** -1: no header to cut (a plain packet copied whole). */
    private int nextSegment;
    private int segmentCount;
    /** Offload writes: the zeroed header of single packets, and the header and IP+TCP headers of merged ones. */
    private final MemorySegment plainWriteHeader;
    private final MemorySegment mergedWriteHeader;
    private final MemorySegment mergedHeaders;
    private final AtomicLong mergedWrites = new AtomicLong();
    /** Pure ACKs a later ACK of the same batch superseded ({@link AckThinning}), written by the single writer. */
    private final AtomicLong thinnedAcks = new AtomicLong();
    private final AckThinning ackThinning = new AckThinning();

    TunQueue(TunDevice device, int index, int fd, int eventFd, boolean vnetHdr, CloseGate gate, Arena arena) {
        this(device, index, fd, eventFd, vnetHdr, false, gate, arena);
    }

    TunQueue(TunDevice device, int index, int fd, int eventFd, boolean vnetHdr, boolean offload, CloseGate gate, Arena arena) {
        this.device = device;
        this.index = index;
        this.fd = fd;
        this.eventFd = eventFd;
        this.vnetHdr = vnetHdr || offload;
        this.offload = offload;
        this.gate = gate;
        this.readPoll = pollPair(arena, Libc.POLLIN);
        this.writePoll = pollPair(arena, Libc.POLLOUT);
        if (offload) {
            this.readHeader = arena.allocate(VNET_HDR_LEN, 8);
            this.superPacket = arena.allocate(MAX_SUPER_PACKET, 64);
        } else {
            this.readHeader = null;
            this.superPacket = null;
        }
        if (this.vnetHdr) {
            // iov[0] is the virtio_net_hdr, iov[1] the packet slot, filled per call. The read header is scratch that is
            // discarded; the write header stays all zeroes: no checksum offload, no GSO.
            this.readIov = arena.allocate(Libc.IOVEC, 2);
            this.writeIov = arena.allocate(Libc.IOVEC, offload ? 2 + MAX_RUN_PACKETS : 2);
            initHeaderIov(readIov, offload ? readHeader : arena.allocate(VNET_HDR_LEN, 8));
            if (offload) {
                readIov.set(ADDRESS, IOVEC_SIZE, superPacket);
                readIov.set(JAVA_LONG, IOVEC_SIZE + 8, MAX_SUPER_PACKET);
            }
            MemorySegment zeroHeader = arena.allocate(VNET_HDR_LEN, 8);
            initHeaderIov(writeIov, zeroHeader);
            this.plainWriteHeader = zeroHeader;
            this.mergedWriteHeader = offload ? arena.allocate(VNET_HDR_LEN, 8) : null;
            this.mergedHeaders = offload ? arena.allocate(MAX_HEADERS, 8) : null;
            this.writeIovCount = 2;
            this.writePacketIov = IOVEC_SIZE;
        } else {
            this.readIov = null;
            this.plainWriteHeader = null;
            this.mergedWriteHeader = null;
            this.mergedHeaders = null;
            this.writeIov = arena.allocate(Libc.IOVEC, 1);
            this.writeIovCount = 1;
            this.writePacketIov = 0;
        }
    }

    /** pollfd[0] = the TUN fd with {@code events}, pollfd[1] = the device's eventfd, readable once it is closed. */
    private MemorySegment pollPair(Arena arena, short events) {
        MemorySegment p = arena.allocate(Libc.POLLFD, 2);
        p.set(JAVA_INT, 0, fd);
        p.set(JAVA_SHORT, 4, events);
        p.set(JAVA_INT, POLLFD_SIZE, eventFd);
        p.set(JAVA_SHORT, POLLFD_SIZE + 4, Libc.POLLIN);
        return p;
    }

    private static void initHeaderIov(MemorySegment iov, MemorySegment header) {
        iov.set(ADDRESS, 0, header);
        iov.set(JAVA_LONG, 8, VNET_HDR_LEN);
    }

    public int index() { return index; }

    public TunDevice device() { return device; }

    /** Packets {@link #writeBatch} dropped: the device stayed full, was down, or rejected a malformed packet. */
    public long writeDrops() { return writeDrops.get(); }

    /** Packets read from the kernel but dropped: an offloaded packet this queue cannot cut or checksum, or too big. */
    public long readDrops() { return readDrops.get(); }

    /**
     * Clears {@code batch} and fills it with the packets waiting on this queue: blocks in {@code poll} until at least
     * one packet arrives or the device is closed, then reads until the queue is empty ({@code EAGAIN}) or the batch is
     * full. Each packet is a bare IP packet (no packet-information prefix, no vnet header). Slots should hold the
     * device MTU: the kernel truncates a packet to the buffer it is given.
     *
     * @return the number of packets read (at least 1), or -1 once the device is closed
     * @throws LinuxException if the device vanished under the fd (deleted by someone else, or its namespace died)
     */
    public int readBatch(PacketBatch batch) throws LinuxException {
        batch.clear();
        if (!gate.enter()) return -1;
        try {
            if (offload && nextSegment < segmentCount) {
                int n = drain(batch);
                if (n > 0) return n;
            }
            for (;;) {
                Libc.poll(readPoll, 2, -1);
                if (gate.isClosed() || readPoll.get(JAVA_SHORT, POLLFD_SIZE + REVENTS) != 0) return -1;
                short revents = readPoll.get(JAVA_SHORT, REVENTS);
                if (revents == 0) continue; // EINTR
                int n = drain(batch);
                if (n > 0) return n;
                if ((revents & (Libc.POLLERR | Libc.POLLHUP | Libc.POLLNVAL)) != 0) {
                    throw new LinuxException("poll TUN " + device.name() + " queue " + index + " (device detached)", Errno.EIO);
                }
            }
        } finally {
            gate.exit();
        }
    }

    private int drain(PacketBatch batch) throws LinuxException {
        if (offload) return drainOffloaded(batch);
        while (!batch.isFull()) {
            MemorySegment slot = batch.nextSegment();
            if (vnetHdr) {
                readIov.set(ADDRESS, IOVEC_SIZE, slot);
                readIov.set(JAVA_LONG, IOVEC_SIZE + 8, slot.byteSize());
                int n = Libc.readv(fd, readIov, 2);
                if (n < 0) break;
                if (n >= VNET_HDR_LEN) batch.commit(n - VNET_HDR_LEN);
            } else {
                int n = Libc.read(fd, slot, slot.byteSize());
                if (n < 0) break;
                batch.commit(n);
            }
        }
        return batch.count();
    }

    /** Offload mode: cut what is left of the last super-packet, then read and cut more until EAGAIN or a full batch. */
    private int drainOffloaded(PacketBatch batch) throws LinuxException {
        cutInto(batch);
        while (!batch.isFull()) {
            int n = Libc.readv(fd, readIov, 2);
            if (n < 0) break;
            if (n < VNET_HDR_LEN) continue;
            accept(n - VNET_HDR_LEN);
            cutInto(batch);
        }
        return batch.count();
    }

    /** Reads the vnet header of the packet just read into {@link #superPacket} and sets up its cutting. */
    private void accept(int len) {
        int flags = readHeader.get(JAVA_BYTE, 0) & 0xff;
        int type = readHeader.get(JAVA_BYTE, 1) & 0xff & ~GsoSplitter.VIRTIO_NET_HDR_GSO_ECN;
        int gsoSize = readHeader.get(JAVA_SHORT_UNALIGNED, 4) & 0xffff;
        int csumStart = readHeader.get(JAVA_SHORT_UNALIGNED, 6) & 0xffff;
        int csumOffset = readHeader.get(JAVA_SHORT_UNALIGNED, 8) & 0xffff;
        superLen = len;
        if (type == GsoSplitter.VIRTIO_NET_HDR_GSO_NONE) {
            if ((flags & GsoSplitter.VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0
                    && !GsoSplitter.completeChecksum(superPacket, len, csumStart, csumOffset)) {
                drop();
                return;
            }
            nextSegment = -1;
            segmentCount = 0;
            return;
        }
        int hdrLen = (type == GsoSplitter.VIRTIO_NET_HDR_GSO_TCPV4 || type == GsoSplitter.VIRTIO_NET_HDR_GSO_TCPV6)
                ? GsoSplitter.headerLength(superPacket, len, csumStart) : -1;
        if (hdrLen < 0 || gsoSize == 0) {
            drop();
            return;
        }
        superHdrLen = hdrLen;
        superGsoSize = gsoSize;
        nextSegment = 0;
        segmentCount = GsoSplitter.segmentCount(len, hdrLen, gsoSize);
    }

    private void drop() {
        readDrops.incrementAndGet();
        nextSegment = 0;
        segmentCount = 0;
    }

    /** Moves the current packet (whole, or its next segments) into {@code batch} while there is room. */
    private void cutInto(PacketBatch batch) {
        if (nextSegment < 0) {
            if (batch.isFull()) return;
            MemorySegment slot = batch.nextSegment();
            if (superLen > slot.byteSize()) readDrops.incrementAndGet();
            else {
                MemorySegment.copy(superPacket, 0, slot, 0, superLen);
                batch.commit(superLen);
            }
            nextSegment = 0;
            segmentCount = 0;
            return;
        }
        while (nextSegment < segmentCount && !batch.isFull()) {
            MemorySegment slot = batch.nextSegment();
            if (superHdrLen + superGsoSize > slot.byteSize()) {
                readDrops.incrementAndGet();
                segmentCount = 0;
                return;
            }
            int n = GsoSplitter.segment(superPacket, superLen, superHdrLen, superGsoSize, nextSegment, segmentCount, slot);
            batch.commit(n);
            nextSegment++;
        }
    }

    /**
     * Writes every packet of {@code batch} whose length is above 0 (a provider drops a packet by setting its length
     * to 0). A TUN write hands the packet to the kernel's receive path and normally never blocks; if the device does
     * report {@code EAGAIN}, the write waits up to {@value #WRITE_WAIT_MILLIS} ms for {@code POLLOUT} once, then
     * drops the packet rather than stalling the loop. Packets the kernel refuses ({@code EINVAL}: not IPv4/IPv6,
     * {@code EIO}: device down, {@code EMSGSIZE}) are dropped too. Drops are counted in {@link #writeDrops()}. A pure
     * TCP ACK that a later one of the batch supersedes is not written ({@link AckThinning}: its length is set to 0,
     * counted in {@link #thinnedAcks()}).
     *
     * @return the number of packets the kernel accepted, or -1 if the device is closed
     */
    public int writeBatch(PacketBatch batch) throws LinuxException {
        if (!gate.enter()) return -1;
        try {
            if (AckThinning.ENABLED) {
                int thinned = ackThinning.thin(batch);
                if (thinned > 0) thinnedAcks.addAndGet(thinned);
            }
            if (offload) return writeMerged(batch);
            int written = 0;
            for (int i = 0, count = batch.count(); i < count; i++) {
                int length = batch.length(i);
                if (length == 0) continue;
                writeIov.set(JAVA_LONG, writePacketIov, slotAddresses.address(batch, i));
                writeIov.set(JAVA_LONG, writePacketIov + 8, length);
                int rc = writeOne();
                if (rc < 0) {
                    if (!awaitWritable()) return -1;
                    rc = writeOne();
                }
                if (rc < 0) writeDrops.incrementAndGet();
                else if (rc > 0) written++;
            }
            return written;
        } finally {
            gate.exit();
        }
    }

    /** Pure TCP ACKs not written because a later ACK of the same batch acknowledged more ({@link AckThinning}). */
    public long thinnedAcks() { return thinnedAcks.get(); }

    /** Super-packets this queue wrote, each standing for several TCP segments of the batch. */
    public long mergedWrites() { return mergedWrites.get(); }

    /**
     * Offload mode: runs of packets that continue one TCP stream ({@link TcpCoalescer}) go to the kernel as one
     * super-packet (one writev: vnet header, merged headers, each packet's payload in place); anything else is
     * written alone behind a zeroed header. Counts packets, not writes.
     */
    private int writeMerged(PacketBatch batch) throws LinuxException {
        int written = 0;
        for (int i = 0, count = batch.count(); i < count; ) {
            int length = batch.length(i);
            if (length == 0) { i++; continue; }
            MemorySegment first = batch.segment(i);
            int hdrLen = TcpCoalescer.eligible(first, length);
            int run = 1;
            int total = length;
            int gsoSize = length - hdrLen;
            boolean psh = false;
            if (hdrLen > 0) {
                long seq = TcpCoalescer.seq(first) + gsoSize;
                boolean ended = TcpCoalescer.endsRun(first, length, hdrLen, gsoSize);
                while (!ended && i + run < count && run < MAX_RUN_PACKETS) {
                    int nextLength = batch.length(i + run);
                    if (nextLength == 0 || total + nextLength - hdrLen > TcpCoalescer.MAX_SUPER_PACKET) break;
                    MemorySegment next = batch.segment(i + run);
                    int nextHdrLen = TcpCoalescer.eligible(next, nextLength);
                    if (nextHdrLen < 0 || !TcpCoalescer.continues(first, hdrLen, gsoSize, seq, next, nextLength, nextHdrLen)) break;
                    total += nextLength - hdrLen;
                    seq += nextLength - hdrLen;
                    ended = TcpCoalescer.endsRun(next, nextLength, hdrLen, gsoSize);
                    psh = TcpCoalescer.hasPsh(next);
                    run++;
                }
            }
            int iovCount;
            if (run == 1) {
                writeIov.set(ADDRESS, 0, plainWriteHeader);
                writeIov.set(JAVA_LONG, IOVEC_SIZE, slotAddresses.address(batch, i));
                writeIov.set(JAVA_LONG, IOVEC_SIZE + 8, length);
                iovCount = 2;
            } else {
                TcpCoalescer.mergedHeader(first, hdrLen, gsoSize, total, psh, mergedHeaders, mergedWriteHeader);
                writeIov.set(ADDRESS, 0, mergedWriteHeader);
                writeIov.set(ADDRESS, IOVEC_SIZE, mergedHeaders);
                writeIov.set(JAVA_LONG, IOVEC_SIZE + 8, hdrLen);
                for (int k = 0; k < run; k++) {
                    long iov = (2 + k) * IOVEC_SIZE;
                    writeIov.set(JAVA_LONG, iov, slotAddresses.address(batch, i + k) + hdrLen);
                    writeIov.set(JAVA_LONG, iov + 8, batch.length(i + k) - hdrLen);
                }
                iovCount = 2 + run;
            }
            int rc = writeOne(iovCount);
            if (rc < 0) {
                if (!awaitWritable()) return -1;
                rc = writeOne(iovCount);
            }
            if (rc < 0) writeDrops.addAndGet(run);
            else if (rc > 0) {
                written += run;
                if (run > 1) mergedWrites.incrementAndGet();
            } else if (run > 1) {
                writeDrops.addAndGet(run - 1); // writeOne counted one
            }
            i += run;
        }
        return written;
    }

    /** Writes the packet {@link #writeIov} points at: 1 if written, 0 if refused (dropped, counted), -1 for EAGAIN. */
    private int writeOne() throws LinuxException {
        return writeOne(writeIovCount);
    }

    private int writeOne(int iovCount) throws LinuxException {
        try {
            return Libc.writev(fd, writeIov, iovCount) < 0 ? -1 : 1;
        } catch (LinuxException e) {
            if (e.is(Errno.EINVAL) || e.is(Errno.EIO) || e.errno() == 90 /* EMSGSIZE */) {
                writeDrops.incrementAndGet();
                return 0;
            }
            throw e;
        }
    }

    /** Waits briefly for POLLOUT; false if the device was closed meanwhile. */
    private boolean awaitWritable() throws LinuxException {
        Libc.poll(writePoll, 2, WRITE_WAIT_MILLIS);
        return !gate.isClosed() && writePoll.get(JAVA_SHORT, POLLFD_SIZE + REVENTS) == 0;
    }

    int fd() { return fd; }
}
