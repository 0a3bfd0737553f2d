package dev.netext.linux.tun;

import dev.netext.linux.ffm.Ifreq;

/**
 * How to create a TUN device.
 *
 * @param name     the exact interface name, or {@code null} for the first free {@code netext0}, {@code netext1}, ...
 *                 An explicit name that is already taken is an error: netext never attaches to a device it did not
 *                 create, because that device's routes and addresses belong to someone else.
 * @param vnetHdr  ask for {@code IFF_VNET_HDR}: every packet crosses the fd behind a 10-byte {@code virtio_net_hdr}.
 *                 {@link TunQueue} hides it (strips on read, prepends a zeroed one on write). It is the prerequisite
 *                 for TSO offloads; without {@code TUNSETOFFLOAD} (see {@code offload}) the kernel
 *                 sends no GSO packets and no partial checksums, so the header carries nothing to act on.
 * @param queues   number of queues; more than 1 creates the device with {@code IFF_MULTI_QUEUE} and attaches one fd
 *                 per queue, so that one thread per queue can move packets without sharing an fd. The kernel spreads
 *                 flows over queues by hash.
 * @param offload  (implies {@code vnetHdr}) negotiate {@code TUNSETOFFLOAD} with {@code TUN_F_CSUM | TUN_F_TSO4 |
 *                 TUN_F_TSO6}: the kernel then hands over TCP super-packets of up to 64 KiB with partial checksums,
 *                 one read for dozens of segments. {@link TunQueue} segments them ({@link GsoSplitter}) and completes
 *                 checksums, so readers still see ordinary packets of at most the MTU.
 */
public record TunOptions(String name, boolean vnetHdr, int queues, boolean offload) {
    /** Name prefix for automatically chosen names. */
    public static final String DEFAULT_PREFIX = "netext";
    /** The kernel's own limit on queues per TUN device (MAX_TAP_QUEUES). */
    public static final int MAX_QUEUES = 256;

    public TunOptions {
        if (offload) vnetHdr = true;
        if (name != null) Ifreq.checkName(name);
        if (queues < 1 || queues > MAX_QUEUES) throw new IllegalArgumentException("queues must be 1.." + MAX_QUEUES + ", got " + queues);
    }

    public TunOptions(String name, boolean vnetHdr, int queues) {
        this(name, vnetHdr, queues, false);
    }

    /** An automatically named single-queue device without vnet header. */
    public static TunOptions defaults() {
        return new TunOptions(null, false, 1);
    }

    public TunOptions withName(String newName) {
        return new TunOptions(newName, vnetHdr, queues, offload);
    }

    public TunOptions withVnetHdr(boolean enabled) {
        return new TunOptions(name, enabled, queues, offload && enabled);
    }

    public TunOptions withQueues(int count) {
        return new TunOptions(name, vnetHdr, count, offload);
    }

    /** With TSO/checksum offloads (and so with the vnet header). */
    public TunOptions withOffload(boolean enabled) {
        return new TunOptions(name, vnetHdr || enabled, queues, enabled);
    }

    public boolean multiQueue() {
        return queues > 1;
    }
}
