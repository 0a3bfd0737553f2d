package dev.netext.wireguard;

import dev.netext.api.net.IpPrefix;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Cryptokey routing (whitepaper 2): which peer owns an address. Outbound, the destination of a packet from the TUN
 * device chooses the peer; inbound, a decrypted packet is accepted only if its source maps back to the peer that
 * sent it. Longest prefix wins; one binary trie per family, one node per prefix bit, so a lookup is at most 32 or
 * 128 steps and reads the address straight from the packet buffer.
 *
 * <p>Thread-safe: lookups share a read lock; changes take the write lock.
 */
public final class AllowedIps {
    private static final class Node {
        Node zero, one;
        Peer peer;
        IpPrefix prefix;
    }

    private final Node v4 = new Node();
    private final Node v6 = new Node();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    /** Routes {@code prefix} (host bits ignored) to {@code peer}, replacing whichever peer had it. */
    public void insert(IpPrefix prefix, Peer peer) {
        IpPrefix net = prefix.network();
        byte[] addr = net.address().getAddress();
        lock.writeLock().lock();
        try {
            Node n = root(addr.length);
            for (int i = 0; i < net.length(); i++) {
                if (bit(addr, i) == 0) n = n.zero == null ? (n.zero = new Node()) : n.zero;
                else n = n.one == null ? (n.one = new Node()) : n.one;
            }
            n.peer = peer;
            n.prefix = net;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes {@code prefix} if {@code peer} owns it. */
    public void remove(IpPrefix prefix, Peer peer) {
        IpPrefix net = prefix.network();
        byte[] addr = net.address().getAddress();
        lock.writeLock().lock();
        try {
            Node n = root(addr.length);
            for (int i = 0; i < net.length() && n != null; i++) n = bit(addr, i) == 0 ? n.zero : n.one;
            if (n != null && n.peer == peer) {
                n.peer = null;
                n.prefix = null;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes every prefix of {@code peer}. */
    public void removeByPeer(Peer peer) {
        lock.writeLock().lock();
        try {
            removeByPeer(v4, peer);
            removeByPeer(v6, peer);
        } finally {
            lock.writeLock().unlock();
        }
    }

    private static void removeByPeer(Node n, Peer peer) {
        if (n == null) return;
        if (n.peer == peer) {
            n.peer = null;
            n.prefix = null;
        }
        removeByPeer(n.zero, peer);
        removeByPeer(n.one, peer);
    }

    /** The prefixes of {@code peer}, IPv4 first, each family in trie order. */
    public List<IpPrefix> prefixesOf(Peer peer) {
        List<IpPrefix> out = new ArrayList<>();
        lock.readLock().lock();
        try {
            collect(v4, peer, out);
            collect(v6, peer, out);
        } finally {
            lock.readLock().unlock();
        }
        return out;
    }

    private static void collect(Node n, Peer peer, List<IpPrefix> out) {
        if (n == null) return;
        if (n.peer == peer && n.prefix != null) out.add(n.prefix);
        collect(n.zero, peer, out);
        collect(n.one, peer, out);
    }

    /** The peer for {@code address}, or null. */
    public Peer lookup(InetAddress address) {
        byte[] a = address.getAddress();
        return lookup(ByteBuffer.wrap(a), 0, a.length);
    }

    /** The peer for the address of {@code length} bytes (4 or 16) at {@code offset} of {@code buf}, or null. */
    public Peer lookup(ByteBuffer buf, int offset, int length) {
        lock.readLock().lock();
        try {
            Node n = root(length);
            Peer best = n.peer;
            int bits = length * 8;
            for (int i = 0; i < bits; i++) {
                int b = (buf.get(offset + (i >>> 3)) >>> (7 - (i & 7))) & 1;
                n = b == 0 ? n.zero : n.one;
                if (n == null) break;
                if (n.peer != null) best = n.peer;
            }
            return best;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The peer owning an IP packet's destination (outbound) or null; the packet starts at {@code buf}'s position. */
    public Peer lookupDestination(ByteBuffer packet) { return lookupAddress(packet, 16, 24); }

    /** The peer owning an IP packet's source (inbound check) or null. */
    public Peer lookupSource(ByteBuffer packet) { return lookupAddress(packet, 12, 8); }

    /**
     * The peer owning the address at {@code v4Offset} of an IPv4 header or {@code v6Offset} of an IPv6 one, by the
     * packet's version; null for a packet too short for its header, or of neither version.
     */
    private Peer lookupAddress(ByteBuffer packet, int v4Offset, int v6Offset) {
        int p = packet.position();
        if (packet.remaining() < 1) return null;
        int version = (packet.get(p) & 0xff) >>> 4;
        if (version == 4 && packet.remaining() >= 20) return lookup(packet, p + v4Offset, 4);
        if (version == 6 && packet.remaining() >= 40) return lookup(packet, p + v6Offset, 16);
        return null;
    }

    private Node root(int addressLength) {
        return switch (addressLength) {
            case 4 -> v4;
            case 16 -> v6;
            default -> throw new IllegalArgumentException("address of " + addressLength + " bytes");
        };
    }

    private static int bit(byte[] addr, int i) {
        return (addr[i >>> 3] >>> (7 - (i & 7))) & 1;
    }

    static InetAddress address(byte[] raw) {
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
