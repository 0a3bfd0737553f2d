package dev.netext.linux.tun;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Ifreq;
import dev.netext.linux.ffm.Libc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A TUN device that netext created and owns: layer-3 packets in and out of the kernel through {@code /dev/net/tun}.
 *
 * <p><b>Never someone else's device.</b> Plain {@code TUNSETIFF} with an existing name attaches to that device, which
 * would silently take over a VPN someone else configured ({@code ip tuntap add} leaves a persistent, unattached device
 * behind for exactly that purpose). netext always passes {@code IFF_TUN_EXCL}, so the kernel refuses ({@code EBUSY})
 * any name that exists, whatever its type or owner. With no name requested, the device gets the first free
 * {@code netext0}, {@code netext1}, ...: names that exist are skipped, and a name that appears between the check and
 * the ioctl is skipped on the kernel's {@code EBUSY}. The device is not persistent: it disappears, with its addresses
 * and routes, when it is closed or the process dies.
 *
 * <p><b>Namespace.</b> The device is created in the network namespace of the <em>calling thread</em> (the kernel
 * records the namespace when {@code /dev/net/tun} is opened), which is how {@code NetworkNamespace.runInside} places
 * it in a lab namespace. The fds can then be used from any thread. The name check uses an ioctl on a socket, not
 * {@code /sys/class/net}, because sysfs shows the namespace it was mounted in, not the caller's.
 *
 * <p><b>I/O.</b> Every queue fd is {@code O_NONBLOCK}; readers block in {@code poll} on the fd plus one eventfd shared by
 * the device, which {@link #close()} signals so that blocked readers return -1 at once. {@link #readBatch} and
 * {@link #writeBatch} use queue 0; multi-queue devices hand out one {@link TunQueue} per queue via {@link #queue(int)},
 * each for its own reader/writer thread. See {@link TunQueue} for the threading model.
 */
public final class TunDevice implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TunDevice.class);

    /** _IOW('T', 202, int) */
    public static final long TUNSETIFF = 0x400454caL;
    /** _IOW('T', 208, unsigned int) and its flags (include/uapi/linux/if_tun.h). */
    public static final long TUNSETOFFLOAD = 0x400454d0L;
    public static final int TUN_F_CSUM = 0x01, TUN_F_TSO4 = 0x02, TUN_F_TSO6 = 0x04;
    public static final int IFF_TUN = 0x0001, IFF_MULTI_QUEUE = 0x0100, IFF_NO_PI = 0x1000, IFF_VNET_HDR = 0x4000,
            IFF_TUN_EXCL = 0x8000;
    /** How many automatic names ({@code netext0} .. {@code netext999}) to try before giving up. */
    static final int MAX_AUTO_NAMES = 1000;

    private static final String TUN_PATH = "/dev/net/tun";

    private final String name;
    private final int ifindex;
    private final TunOptions options;
    private final int eventFd;
    private final TunQueue[] queues;
    private final Arena arena;
    private final CloseGate gate;

    private TunDevice(String name, int ifindex, TunOptions options, int eventFd, int[] fds, Arena arena, CloseGate gate) {
        this.name = name;
        this.ifindex = ifindex;
        this.options = options;
        this.eventFd = eventFd;
        this.arena = arena;
        this.gate = gate;
        this.queues = new TunQueue[fds.length];
        for (int i = 0; i < fds.length; i++) {
            queues[i] = new TunQueue(this, i, fds[i], eventFd, options.vnetHdr(), options.offload(), gate, arena);
        }
    }

    /** Opens an automatically named single-queue device in the calling thread's network namespace. */
    public static TunDevice open() throws LinuxException {
        return open(TunOptions.defaults());
    }

    /**
     * Creates a new device as {@code options} asks, in the calling thread's network namespace. The device starts down
     * and unaddressed; configuring it is the caller's (netlink's) business.
     *
     * @throws LinuxException with {@code EBUSY} if an explicitly requested name is taken, {@code ENOENT} if there is no
     *                        {@code /dev/net/tun}, {@code EPERM} without {@code CAP_NET_ADMIN}
     */
    public static TunDevice open(TunOptions options) throws LinuxException {
        int flags = IFF_TUN | IFF_NO_PI | (options.vnetHdr() ? IFF_VNET_HDR : 0) | (options.multiQueue() ? IFF_MULTI_QUEUE : 0);
        List<Integer> fds = new ArrayList<>(options.queues());
        int eventFd = -1;
        Arena arena = Arena.ofShared();
        try {
            eventFd = Libc.eventfd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
            String name;
            if (options.name() != null) {
                name = createExclusive(options.name(), flags, fds);
            } else {
                name = createAutoNamed(flags, fds);
            }
            if (options.offload()) {
                // per device, not per queue: the kernel then builds TCP super-packets for it (NETIF_F_TSO*)
                Libc.ioctl("TUNSETOFFLOAD " + name, fds.getFirst(), TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
            }
            int ifindex = Ifreq.indexOf(name);
            // Further queues attach to the device by name, which needs TUNSETIFF without IFF_TUN_EXCL. The device is ours
            // and stays alive through queue 0's fd; checking the ifindex afterwards catches it having been deleted and
            // replaced by a same-named foreign device in between.
            for (int q = 1; q < options.queues(); q++) {
                fds.add(openQueue(name, flags));
            }
            if (options.queues() > 1 && Ifreq.indexOf(name) != ifindex) {
                throw new LinuxException("TUNSETIFF " + name + " (device replaced while attaching queues)", Errno.EBUSY);
            }
            int[] fdArray = fds.stream().mapToInt(Integer::intValue).toArray();
            TunDevice device = new TunDevice(name, ifindex, options, eventFd, fdArray, arena, new CloseGate());
            log.debug("opened TUN {} (ifindex {}, {} queue(s), vnet_hdr {}, offload {})", name, ifindex, options.queues(),
                    options.vnetHdr(), options.offload());
            return device;
        } catch (LinuxException | RuntimeException | Error e) {
            fds.forEach(Libc::close);
            Libc.close(eventFd);
            arena.close();
            throw e;
        }
    }

    private static String createAutoNamed(int flags, List<Integer> fds) throws LinuxException {
        for (int n = 0; n < MAX_AUTO_NAMES; n++) {
            String candidate = TunOptions.DEFAULT_PREFIX + n;
            if (Ifreq.indexOf(candidate) != 0) continue;
            try {
                return createExclusive(candidate, flags, fds);
            } catch (LinuxException e) {
                if (!e.is(Errno.EBUSY) && !e.is(Errno.EEXIST)) throw e;
                log.debug("{} appeared before it could be created; trying the next name", candidate);
            }
        }
        throw new LinuxException("TUNSETIFF: no free name " + TunOptions.DEFAULT_PREFIX + "0.." + TunOptions.DEFAULT_PREFIX
                + (MAX_AUTO_NAMES - 1), Errno.EBUSY);
    }

    /** Creates queue 0 under exactly {@code name}; on success adds its fd to {@code fds} and returns the kernel's name. */
    private static String createExclusive(String name, int flags, List<Integer> fds) throws LinuxException {
        int fd = Libc.open(TUN_PATH, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment req = Ifreq.allocate(a, name);
            Ifreq.setFlags(req, flags | IFF_TUN_EXCL);
            try {
                Libc.ioctl("TUNSETIFF " + name, fd, TUNSETIFF, req);
            } catch (LinuxException e) {
                if (e.is(Errno.EBUSY) || e.is(Errno.EEXIST)) {
                    throw new LinuxException("TUNSETIFF " + name + " (an interface named '" + name
                            + "' already exists; netext never attaches to a device it did not create)", e.errno());
                }
                throw e;
            }
            String actual = Ifreq.name(req);
            fds.add(fd);
            return actual;
        } catch (LinuxException | RuntimeException | Error e) {
            Libc.close(fd);
            throw e;
        }
    }

    private static int openQueue(String name, int flags) throws LinuxException {
        int fd = Libc.open(TUN_PATH, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment req = Ifreq.allocate(a, name);
            Ifreq.setFlags(req, flags);
            Libc.ioctl("TUNSETIFF " + name + " (attach queue)", fd, TUNSETIFF, req);
            return fd;
        } catch (LinuxException | RuntimeException | Error e) {
            Libc.close(fd);
            throw e;
        }
    }

    /** The interface name the kernel gave the device. */
    public String name() { return name; }

    /**
     * The interface index, read once at open in the device's namespace. It stays valid while the device lives in that
     * namespace (moving a device to another namespace may renumber it; netext does not move its devices).
     */
    public int ifindex() { return ifindex; }

    public TunOptions options() { return options; }

    public boolean vnetHdr() { return options.vnetHdr(); }

    public int queueCount() { return queues.length; }

    /** Queue {@code i}, for a dedicated reader/writer thread per queue. */
    public TunQueue queue(int i) {
        if (i < 0 || i >= queues.length) throw new IndexOutOfBoundsException("queue " + i + " of " + queues.length);
        return queues[i];
    }

    /** {@link TunQueue#readBatch} on queue 0. */
    public int readBatch(PacketBatch batch) throws LinuxException {
        return queues[0].readBatch(batch);
    }

    /** {@link TunQueue#writeBatch} on queue 0. */
    public int writeBatch(PacketBatch batch) throws LinuxException {
        return queues[0].writeBatch(batch);
    }

    /** Packets dropped on write, over all queues. */
    public long writeDrops() {
        long sum = 0;
        for (TunQueue q : queues) sum += q.writeDrops();
        return sum;
    }

    /** Packets read but dropped, summed over queues (see {@link TunQueue#readDrops()}). */
    public long readDrops() {
        long sum = 0;
        for (TunQueue q : queues) sum += q.readDrops();
        return sum;
    }

    public boolean isOpen() { return !gate.isClosed(); }

    /**
     * Closes the device; it vanishes from the system with its addresses and routes. Safe to call from any thread, any
     * number of times: the first call wakes blocked readers and writers (they return -1), waits for them to leave, then
     * closes the fds; later calls return once that is done.
     */
    @Override
    public void close() {
        if (!gate.beginClose()) {
            gate.awaitFinished();
            return;
        }
        try {
            signalClosed();
            gate.awaitIdle("TUN " + name);
            for (TunQueue q : queues) Libc.close(q.fd());
            Libc.close(eventFd);
            arena.close();
            log.debug("closed TUN {}", name);
        } finally {
            gate.markFinished();
        }
    }

    /** Makes the eventfd readable for good: it is never read, so every later poll on it returns at once. */
    private void signalClosed() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment one = a.allocate(JAVA_LONG);
            one.set(JAVA_LONG, 0, 1L);
            Libc.write(eventFd, one, 8);
        } catch (LinuxException e) {
            // Cannot happen in practice: the counter starts at 0, is written once, and the fd is ours until below.
            // Closing an fd does not wake its pollers, so a failure here is worth a warning.
            log.warn("TUN {}: cannot signal close: {}", name, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "TunDevice[" + name + ", ifindex " + ifindex + ", " + queues.length + " queue(s)" + (options.vnetHdr() ? ", vnet_hdr" : "")
                + (options.offload() ? ", offload" : "") + "]";
    }
}
