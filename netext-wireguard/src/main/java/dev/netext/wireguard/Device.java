package dev.netext.wireguard;

import dev.netext.api.net.IpPrefix;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A WireGuard interface without I/O: one static key, its peers, and the two directions of the data path. The caller
 * owns the sockets and the TUN device and feeds this class:
 *
 * <pre>
 *   TUN  --{@link #send}-->     cryptokey routing → session or handshake → pad, seal → {@link Outbound#sendDatagram}
 *   UDP  --{@link #receive}-->  type → MAC1/MAC2, cookie → handshake │ open, replay, source check → {@link Outbound#deliverPacket}
 *   clock --{@link #tick}-->    each peer's {@link Timers}
 * </pre>
 *
 * Every datagram that fails a check is counted under a {@link Drop} reason and otherwise ignored: no reply, no
 * state. Buffers handed to {@link Outbound} are valid only during the call.
 *
 * <p>Thread-safety: {@link #send}, {@link #receive} and {@link #tick} may run on different threads; a peer's
 * packets from one sending thread leave in the order they were sent. {@link BatchSealer} and {@link BatchOpener} run
 * the same two directions with several batches in flight ({@link CryptoPipeline}), the crypto on worker threads.
 */
public final class Device {
    /**
     * Where the device's output goes. Both calls must consume (or copy) the buffer before returning, and must not
     * call back into the device on the same thread: the buffers are per-thread scratch space the next call reuses.
     */
    public interface Outbound {
        /** A WireGuard message for the UDP socket. */
        void sendDatagram(ByteBuffer datagram, InetSocketAddress to);

        /** A decrypted, authenticated IP packet for the TUN device. */
        void deliverPacket(ByteBuffer packet);
    }

    /** Why a datagram or packet was dropped. */
    public enum Drop {
        MALFORMED, BAD_MAC1, UNDER_LOAD_COOKIE_SENT, HANDSHAKE_REJECTED, UNKNOWN_INDEX, EXPIRED_KEYPAIR,
        DECRYPT_FAILED, REPLAYED, BAD_INNER_PACKET, SOURCE_NOT_ALLOWED, NO_PEER_FOR_DESTINATION, NO_ENDPOINT,
        COOKIE_REJECTED, STAGED_OVERFLOW
    }

    public static final int DEFAULT_MTU = 1420;

    private final Key privateKey;
    private final Key publicKey;
    private final Outbound out;
    private final TimeSource time;
    private final IndexTable indices;
    private final NoiseProtocol noise;
    private final CookieChecker cookieChecker;
    private final AllowedIps allowedIps = new AllowedIps();
    private final Map<Key, Peer> peers = new ConcurrentHashMap<>();
    private final AtomicLongArray drops = new AtomicLongArray(Drop.values().length);
    private volatile int mtu = DEFAULT_MTU;
    private volatile long underLoadUntilNanos = Long.MIN_VALUE;
    private volatile boolean underLoad;

    private static final ThreadLocal<ByteBuffer> SCRATCH_PLAIN =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(Constants.MAX_SEGMENT_SIZE));
    private static final ThreadLocal<ByteBuffer> SCRATCH_OUT =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(Constants.MAX_SEGMENT_SIZE + Messages.TRANSPORT_SIZE));
    private static final ThreadLocal<Messages.Transport> TRANSPORT_VIEW = ThreadLocal.withInitial(Messages.Transport::new);

    public Device(Key privateKey, Outbound out) {
        this(privateKey, out, TimeSource.SYSTEM, new SecureRandom(), X25519::newPrivateKey);
    }

    /** For tests: a fake clock, a seeded index generator and chosen ephemerals. */
    Device(Key privateKey, Outbound out, TimeSource time, RandomGenerator random, Supplier<byte[]> ephemerals) {
        this.privateKey = new Key(privateKey.raw());
        this.publicKey = privateKey.publicKey();
        this.out = out;
        this.time = time;
        this.indices = new IndexTable(random);
        this.noise = new NoiseProtocol(this.privateKey, publicKey, peers::get, indices, time, ephemerals);
        this.cookieChecker = new CookieChecker(publicKey, time);
    }

    // ------------------------------------------------------------------ configuration

    public Key publicKey() { return publicKey; }

    public int mtu() { return mtu; }

    public void setMtu(int mtu) {
        if (mtu < 576 || mtu > Constants.MAX_CONTENT_SIZE) throw new IllegalArgumentException("MTU " + mtu + " outside 576.." + Constants.MAX_CONTENT_SIZE);
        this.mtu = mtu;
    }

    /** Adds a peer (or returns the existing one with this key). Our own public key is refused, as wg does. */
    public Peer addPeer(Key peerPublic) {
        if (peerPublic.equals(publicKey)) throw new IllegalArgumentException("a peer cannot have the interface's own public key");
        return peers.computeIfAbsent(peerPublic, k -> {
            if (peers.size() >= Constants.MAX_PEERS) throw new IllegalStateException("too many peers (" + Constants.MAX_PEERS + ")");
            return new Peer(k, noise.precomputeStaticStatic(k), time);
        });
    }

    public Peer peer(Key peerPublic) { return peers.get(peerPublic); }

    public Collection<Peer> peers() { return peers.values(); }

    public void removePeer(Key peerPublic) {
        Peer p = peers.remove(peerPublic);
        if (p == null) return;
        p.timers().stop();
        allowedIps.removeByPeer(p);
        zeroKeyMaterial(p);
    }

    public void addAllowedIp(Peer peer, IpPrefix prefix) { allowedIps.insert(prefix, peer); }

    public AllowedIps allowedIps() { return allowedIps; }

    public long drops(Drop reason) { return drops.get(reason.ordinal()); }

    long nanoTime() { return time.nanoTime(); }

    /**
     * Reports how many handshake messages wait to be processed. At {@link Constants#UNDER_LOAD_QUEUE_DEPTH} or more
     * the device is under load for {@link Constants#UNDER_LOAD_AFTER_TIME}: initiations and responses need a valid
     * MAC2, and those without one get a cookie reply instead of a handshake (whitepaper 5.3).
     */
    public void handshakeBacklog(int waiting) {
        if (waiting >= Constants.UNDER_LOAD_QUEUE_DEPTH) {
            underLoadUntilNanos = time.nanoTime() + Constants.UNDER_LOAD_AFTER_TIME.toNanos();
            underLoad = true;
        }
    }

    public boolean underLoad() {
        if (underLoad && time.nanoTime() - underLoadUntilNanos > 0) underLoad = false;
        return underLoad;
    }

    // ------------------------------------------------------------------ receive

    /** Handles one UDP datagram (its remaining bytes) from {@code from}. */
    public void receive(ByteBuffer datagram, InetSocketAddress from) {
        switch (Messages.typeOf(datagram)) {
            case Messages.TYPE_INITIATION, Messages.TYPE_RESPONSE -> receiveHandshake(Messages.copy(datagram), from);
            case Messages.TYPE_COOKIE_REPLY -> receiveCookieReply(Messages.copy(datagram));
            case Messages.TYPE_TRANSPORT -> receiveTransport(datagram, from);
            default -> drop(Drop.MALFORMED);
        }
    }

    private void receiveHandshake(byte[] msg, InetSocketAddress from) {
        if (!cookieChecker.checkMac1(msg)) { drop(Drop.BAD_MAC1); return; }
        if (underLoad() && !cookieChecker.checkMac2(msg, CookieChecker.sourceBytes(from))) {
            byte[] reply = cookieChecker.createReply(msg, Messages.senderIndex(msg), CookieChecker.sourceBytes(from));
            out.sendDatagram(ByteBuffer.wrap(reply), from);
            drop(Drop.UNDER_LOAD_COOKIE_SENT);
            return;
        }
        if (Messages.getInt(msg, 0) == Messages.TYPE_INITIATION) {
            Peer peer = noise.consumeInitiation(msg);
            if (peer == null) { drop(Drop.HANDSHAKE_REJECTED); return; }
            peer.setEndpoint(from);
            peer.timers().anyAuthenticatedPacketTraversal();
            peer.timers().anyAuthenticatedPacketReceived();
            sendHandshakeResponse(peer);
        } else {
            Peer peer = noise.consumeResponse(msg);
            if (peer == null) { drop(Drop.HANDSHAKE_REJECTED); return; }
            peer.setEndpoint(from);
            peer.timers().anyAuthenticatedPacketTraversal();
            peer.timers().anyAuthenticatedPacketReceived();
            Keypair keypair = noise.beginSymmetricSession(peer);
            if (keypair == null) { drop(Drop.HANDSHAKE_REJECTED); return; }
            install(peer, keypair);
            peer.timers().sessionDerived();
            peer.timers().handshakeComplete();
            peer.setLastHandshake(time.now());
            sendStagedOrKeepalive(peer);
        }
    }

    private void receiveCookieReply(byte[] msg) {
        IndexTable.Entry e = indices.lookup(Messages.receiverIndex(msg));
        if (e == null || !e.peer().cookieGenerator().consumeReply(msg)) drop(Drop.COOKIE_REJECTED);
    }

    private void receiveTransport(ByteBuffer datagram, InetSocketAddress from) {
        Messages.Transport view = TRANSPORT_VIEW.get().wrap(datagram);
        IndexTable.Entry e = transportEntry(view.receiver());
        if (e == null) return;
        long counter = view.counter();
        ByteBuffer plain = SCRATCH_PLAIN.get().clear();
        int n = e.keypair().open(counter, sealedContent(datagram), plain);
        afterOpen(e.peer(), e.keypair(), counter, n, plain, datagram.remaining(), from);
    }

    /** The key pair a transport message's receiver index names, if it may still receive; else counts the drop. */
    IndexTable.Entry transportEntry(int receiver) {
        IndexTable.Entry e = indices.lookup(receiver);
        if (e == null || e.keypair() == null) { drop(Drop.UNKNOWN_INDEX); return null; }
        if (!e.keypair().canReceive(time.nanoTime())) { drop(Drop.EXPIRED_KEYPAIR); return null; }
        return e;
    }

    /** A transport message's sealed content (after the header), as a view. */
    static ByteBuffer sealedContent(ByteBuffer datagram) {
        return datagram.duplicate().position(datagram.position() + Messages.TRANSPORT_CONTENT);
    }

    /**
     * Everything after opening, in arrival order: replay check, endpoint, session confirmation, timers, the inner
     * packet's checks and delivery. {@code n} is what {@code open} returned into {@code plain} (position at its end),
     * {@code length} the datagram's size.
     */
    void afterOpen(Peer peer, Keypair keypair, long counter, int n, ByteBuffer plain, int length, InetSocketAddress from) {
        if (n < 0) { drop(Drop.DECRYPT_FAILED); return; }
        if (!keypair.acceptCounter(counter)) { drop(Drop.REPLAYED); return; }

        peer.setEndpoint(from);
        boolean[] confirmed = {false};
        retire(peer.keypairs.received(keypair, confirmed));
        if (confirmed[0]) {
            peer.timers().handshakeComplete();
            peer.setLastHandshake(time.now());
            sendStaged(peer);
        }
        keepKeyFreshReceiving(peer);
        peer.timers().anyAuthenticatedPacketTraversal();
        peer.timers().anyAuthenticatedPacketReceived();
        peer.rxBytes.addAndGet(length);
        if (n == 0) return;                                                 // keepalive
        peer.timers().dataReceived();

        plain.flip();
        int packetLength = InnerPacket.length(plain);
        if (packetLength < 0 || packetLength > n) { drop(Drop.BAD_INNER_PACKET); return; }
        plain.limit(packetLength);
        if (allowedIps.lookupSource(plain) != peer) { drop(Drop.SOURCE_NOT_ALLOWED); return; }
        out.deliverPacket(plain);
    }

    // ------------------------------------------------------------------ send

    /** Sends one IP packet (its remaining bytes) read from the TUN device. */
    public void send(ByteBuffer packet) {
        Peer peer = allowedIps.lookupDestination(packet);
        if (peer == null) { drop(Drop.NO_PEER_FOR_DESTINATION); return; }
        if (peer.endpoint() == null) { drop(Drop.NO_ENDPOINT); return; }
        synchronized (peer.stagingLock) {
            Keypair keypair = peer.keypairs.current();
            long now = time.nanoTime();
            if (peer.staged.isEmpty() && keypair != null && keypair.canSend(now) && encryptAndSend(peer, keypair, packet)) {
                keepKeyFreshSending(peer, keypair, now);
                return;
            }
            stage(peer, packet);
        }
        sendStaged(peer);
    }

    void stage(Peer peer, ByteBuffer packet) {
        if (peer.staged.size() >= Constants.MAX_STAGED_PACKETS) { peer.staged.pollFirst(); drop(Drop.STAGED_OVERFLOW); }
        byte[] copy = new byte[packet.remaining()];
        packet.duplicate().get(copy);
        peer.staged.addLast(copy);
    }

    /** Sends what is staged if a session can; otherwise starts a handshake. */
    void sendStaged(Peer peer) {
        boolean needHandshake = false;
        synchronized (peer.stagingLock) {
            if (peer.staged.isEmpty()) return;
            Keypair keypair = peer.keypairs.current();
            long now = time.nanoTime();
            if (keypair == null || !keypair.canSend(now)) {
                needHandshake = true;
            } else {
                while (!peer.staged.isEmpty()) {
                    if (!encryptAndSend(peer, keypair, ByteBuffer.wrap(peer.staged.peekFirst()))) { needHandshake = true; break; }
                    peer.staged.pollFirst();
                }
                if (!needHandshake) keepKeyFreshSending(peer, keypair, now);
            }
        }
        if (needHandshake) sendHandshakeInitiation(peer, false);
    }

    private void sendStagedOrKeepalive(Peer peer) {
        boolean empty;
        synchronized (peer.stagingLock) { empty = peer.staged.isEmpty(); }
        if (empty) sendKeepalive(peer);
        else sendStaged(peer);
    }

    /** Sends a keepalive (an empty transport message) if a session can send. */
    void sendKeepalive(Peer peer) {
        synchronized (peer.stagingLock) {
            if (!peer.staged.isEmpty()) { sendStaged(peer); return; }
            Keypair keypair = peer.keypairs.current();
            if (keypair == null || !keypair.canSend(time.nanoTime()) || peer.endpoint() == null) return;
            encryptAndSend(peer, keypair, ByteBuffer.allocate(0));
        }
    }

    /** Pads, seals and sends one packet; false if the key pair has no counters left. Caller holds the staging lock. */
    private boolean encryptAndSend(Peer peer, Keypair keypair, ByteBuffer packet) {
        InetSocketAddress to = peer.endpoint();
        if (to == null) { drop(Drop.NO_ENDPOINT); return true; }
        if (packet.remaining() > Constants.MAX_CONTENT_SIZE) { drop(Drop.BAD_INNER_PACKET); return true; }
        long counter = keypair.takeCounter();
        if (counter == -1) return false;
        ByteBuffer datagram = SCRATCH_OUT.get().clear();
        sealPadded(keypair, counter, packet, SCRATCH_PLAIN.get(), datagram);
        afterSeal(peer, datagram, to, packet.remaining());
        return true;
    }

    /**
     * Pads {@code packet} (at most {@link Constants#MAX_CONTENT_SIZE} bytes) through {@code plain} and seals it under
     * {@code counter} into {@code datagram}, which is left from 0 to the message's end. Safe on any thread.
     */
    void sealPadded(Keypair keypair, long counter, ByteBuffer packet, ByteBuffer plain, ByteBuffer datagram) {
        int length = packet.remaining();
        int padded = Math.min(length + InnerPacket.paddingSize(length, mtu), Constants.MAX_CONTENT_SIZE);
        int start = packet.position();
        plain.clear().put(packet);
        packet.position(start);
        while (plain.position() < padded) plain.put((byte) 0);
        plain.flip();
        int n = keypair.seal(counter, plain, datagram.clear());
        datagram.position(0).limit(n);
    }

    /** After sealing, in counter order: timers, the datagram out, counters. */
    void afterSeal(Peer peer, ByteBuffer datagram, InetSocketAddress to, int packetLength) {
        peer.timers().anyAuthenticatedPacketTraversal();
        peer.timers().anyAuthenticatedPacketSent();
        int n = datagram.remaining();
        out.sendDatagram(datagram, to);
        peer.txBytes.addAndGet(n);
        if (packetLength > 0) peer.timers().dataSent();
    }

    // ------------------------------------------------------------------ handshakes

    /** Starts (or retries) a handshake with {@code peer}, at most once per REKEY_TIMEOUT. */
    public void sendHandshakeInitiation(Peer peer, boolean retry) {
        if (!retry) peer.timers().resetAttempts();
        Handshake hs = peer.handshake();
        long now = time.nanoTime();
        synchronized (hs) {
            if (hs.lastSentInitiationNanos != Long.MIN_VALUE && now - hs.lastSentInitiationNanos < Constants.REKEY_TIMEOUT.toNanos()) return;
            hs.lastSentInitiationNanos = now;
        }
        byte[] msg = noise.createInitiation(peer);
        if (msg == null) return;
        peer.cookieGenerator().addMacs(msg);
        peer.timers().anyAuthenticatedPacketTraversal();
        peer.timers().anyAuthenticatedPacketSent();
        InetSocketAddress to = peer.endpoint();
        if (to != null) out.sendDatagram(ByteBuffer.wrap(msg), to);
        peer.timers().handshakeInitiated();
    }

    private void sendHandshakeResponse(Peer peer) {
        byte[] msg = noise.createResponse(peer);
        if (msg == null) { drop(Drop.HANDSHAKE_REJECTED); return; }
        peer.cookieGenerator().addMacs(msg);
        Keypair keypair = noise.beginSymmetricSession(peer);
        if (keypair == null) { drop(Drop.HANDSHAKE_REJECTED); return; }
        install(peer, keypair);
        peer.timers().sessionDerived();
        peer.timers().anyAuthenticatedPacketTraversal();
        peer.timers().anyAuthenticatedPacketSent();
        out.sendDatagram(ByteBuffer.wrap(msg), peer.endpoint());
    }

    private void install(Peer peer, Keypair keypair) {
        for (Keypair dropped : peer.keypairs.install(keypair)) retire(dropped);
    }

    private void retire(Keypair keypair) {
        if (keypair == null) return;
        indices.delete(keypair.localIndex(), keypair);
        keypair.zero();
    }

    void keepKeyFreshSending(Peer peer, Keypair keypair, long now) {
        if (keypair.initiator() && (Long.compareUnsigned(keypair.nextCounter(), Constants.REKEY_AFTER_MESSAGES) > 0
                || now - keypair.createdNanos() > Constants.REKEY_AFTER_TIME.toNanos())) {
            sendHandshakeInitiation(peer, false);
        }
    }

    private void keepKeyFreshReceiving(Peer peer) {
        Keypair keypair = peer.keypairs.current();
        if (keypair == null || !keypair.initiator()) return;
        long age = time.nanoTime() - keypair.createdNanos();
        long limit = Constants.REJECT_AFTER_TIME.minus(Constants.KEEPALIVE_TIMEOUT).minus(Constants.REKEY_TIMEOUT).toNanos();
        if (age > limit) {
            synchronized (peer.timers()) {
                if (peer.timers().sentLastMinuteHandshake) return;
                peer.timers().sentLastMinuteHandshake = true;
            }
            sendHandshakeInitiation(peer, false);
        }
    }

    // ------------------------------------------------------------------ timers

    /** Fires every peer's expired timers; returns the next deadline (monotonic nanos, Long.MAX_VALUE if none). */
    public long tick() {
        long next = Long.MAX_VALUE;
        for (Peer peer : peers.values()) {
            peer.timers().fire(new Timers.Actions() {
                @Override public void sendHandshakeInitiation(boolean retry) { Device.this.sendHandshakeInitiation(peer, retry); }
                @Override public void sendKeepalive() { Device.this.sendKeepalive(peer); }
                @Override public void zeroKeyMaterial() { Device.this.zeroKeyMaterial(peer); }
                @Override public void handshakeGaveUp() { synchronized (peer.stagingLock) { peer.staged.clear(); } }
            });
            next = Math.min(next, peer.timers().nextDeadline());
        }
        return next;
    }

    /** Erases every session and the handshake of {@code peer} (whitepaper 6.3: session zeroing). */
    void zeroKeyMaterial(Peer peer) {
        for (Keypair k : peer.keypairs.clear()) retire(k);
        Handshake hs = peer.handshake();
        synchronized (hs) {
            if (hs.localIndex != 0) indices.delete(hs.localIndex);
            hs.zero();
        }
    }

    int indexCount() { return indices.size(); }

    // ------------------------------------------------------------------ helpers

    void drop(Drop reason) { drops.incrementAndGet(reason.ordinal()); }
}