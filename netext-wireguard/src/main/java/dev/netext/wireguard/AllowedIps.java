package dev.netext.wireguard;

import dev.netext.api.net.IpPrefix;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Cryptokey routing (whitepaper 2): which peer owns an address. Outbound, the destination of a packet from the TUN
 * device chooses the peer; inbound, a decrypted packet is accepted only if its source maps back to the peer that
 * sent it. Longest prefix wins; one binary trie per family, one node per prefix bit, so a lookup is at most 32 or
 * 128 steps and reads the address straight from the packet buffer.
 *
 * <p>Thread-safe without a lock on the packet path: changes are serialized on this object, lookups take no lock at
 * all (the node links and owners are volatile, and a change only links fully built nodes or sets an owner), so a
 * lookup racing a change sees the trie before or after it. A read lock here cost every packet two atomic updates of
 * one shared word, which the sending and receiving threads passed between cores: about a seventh of the receive
 * thread's time went to this class with it. The address is read from the packet as one int (IPv4) or two longs
 * (IPv6) and walked by shifts, not byte by byte.
 */
public final class AllowedIps {
    private static final class Node {
        volatile Node zero, one;
        volatile Peer peer;
        volatile IpPrefix prefix;
    }

    private final Node v4 = new Node();
    private final Node v6 = new Node();

    /** Routes {@code prefix} (host bits ignored) to {@code peer}, replacing whichever peer had it. */
    public void insert(IpPrefix prefix, Peer peer) {
        IpPrefix net = prefix.network();
        byte[] addr = net.address().getAddress();
        synchronized (this) {
            Node n = root(addr.length);
            for (int i = 0; i < net.length(); i++) {
                if (bit(addr, i) == 0) n = n.zero == null ? (n.zero = new Node()) : n.zero;
                else n = n.one == null ? (n.one = new Node()) : n.one;
            }
            n.prefix = net; // before the owner: a lookup reads only the owner, a listing only pairs with an owner
            n.peer = peer;
        }
    }

    /** Removes {@code prefix} if {@code peer} owns it. */
    public void remove(IpPrefix prefix, Peer peer) {
        IpPrefix net = prefix.network();
        byte[] addr = net.address().getAddress();
        synchronized (this) {
            Node n = root(addr.length);
            for (int i = 0; i < net.length() && n != null; i++) n = bit(addr, i) == 0 ? n.zero : n.one;
            if (n != null && n.peer == peer) {
                n.peer = null;
                n.prefix = null;
            }
        }
    }

    /** Removes every prefix of {@code peer}. */
    public synchronized void removeByPeer(Peer peer) {
        removeByPeer(v4, peer);
        removeByPeer(v6, peer);
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
        synchronized (this) { // a consistent listing (not on the packet path)
            collect(v4, peer, out);
            collect(v6, peer, out);
        }
        return out;
    }

    private static void collect(Node n, Peer peer, List<IpPrefix> out) {
        if (n == null) return;
        IpPrefix prefix = n.prefix;
        if (n.peer == peer && prefix != null) out.add(prefix);
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
        boolean big = buf.order() == ByteOrder.BIG_ENDIAN;
        return switch (length) {
            case 4 -> {
                int a = buf.getInt(offset);
                yield walk(v4, big ? a : Integer.reverseBytes(a), 0L, 32);
            }
            case 16 -> {
                long hi = buf.getLong(offset), lo = buf.getLong(offset + 8);
                yield walk(v6, big ? hi : Long.reverseBytes(hi), big ? lo : Long.reverseBytes(lo), 128);
            }
            default -> throw new IllegalArgumentException("address of " + length + " bytes");
        };
    }

    /**
     * The owner of the longest prefix on the path of an address of {@code bits} bits, most significant first: IPv6's
     * in {@code hi} then {@code lo}, IPv4's as the low 32 bits of {@code hi}.
     */
    private static Peer walk(Node root, long hi, long lo, int bits) {
        if (bits == 32) hi <<= 32; // the IPv4 address in the top half: the same shifts as IPv6's first word
        Node n = root;
        Peer best = n.peer;
        for (int i = 0; i < bits; i++) {
            long word = i < 64 ? hi << i : lo << (i - 64);
            n = word < 0 ? n.one : n.zero;
            if (n == null) break;
            Peer p = n.peer;
            if (p != null) best = p;
        }
        return best;
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
