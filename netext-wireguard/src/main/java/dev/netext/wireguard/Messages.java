package dev.netext.wireguard;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The four WireGuard messages (whitepaper 5.4.2-5.4.7) as offsets, sizes and flyweight views. Integers are
 * little-endian; the first byte is the type and the next three are reserved zeros, so the first four bytes read as a
 * little-endian uint32 equal to the type (a message with non-zero reserved bytes is not a WireGuard message).
 *
 * <pre>
 * initiation:  type(4) sender(4) ephemeral(32) static(32+16) timestamp(12+16) mac1(16) mac2(16)   = 148
 * response:    type(4) sender(4) receiver(4) ephemeral(32) empty(0+16) mac1(16) mac2(16)         =  92
 * cookie:      type(4) receiver(4) nonce(24) cookie(16+16)                                        =  64
 * transport:   type(4) receiver(4) counter(8) packet(n+16)                                        = 32 + n
 * </pre>
 */
public final class Messages {
    private Messages() {}

    public static final int TYPE_INITIATION = 1;
    public static final int TYPE_RESPONSE = 2;
    public static final int TYPE_COOKIE_REPLY = 3;
    public static final int TYPE_TRANSPORT = 4;

    static final int KEY = Key.SIZE;
    static final int TAG = Aead.TAG_SIZE;
    static final int MAC = NoiseHelpers.MAC_SIZE;

    // initiation
    public static final int INITIATION_SENDER = 4;
    public static final int INITIATION_EPHEMERAL = INITIATION_SENDER + 4;
    public static final int INITIATION_STATIC = INITIATION_EPHEMERAL + KEY;
    public static final int INITIATION_TIMESTAMP = INITIATION_STATIC + KEY + TAG;
    public static final int INITIATION_MAC1 = INITIATION_TIMESTAMP + Tai64n.SIZE + TAG;
    public static final int INITIATION_MAC2 = INITIATION_MAC1 + MAC;
    public static final int INITIATION_SIZE = INITIATION_MAC2 + MAC;

    // response
    public static final int RESPONSE_SENDER = 4;
    public static final int RESPONSE_RECEIVER = RESPONSE_SENDER + 4;
    public static final int RESPONSE_EPHEMERAL = RESPONSE_RECEIVER + 4;
    public static final int RESPONSE_EMPTY = RESPONSE_EPHEMERAL + KEY;
    public static final int RESPONSE_MAC1 = RESPONSE_EMPTY + TAG;
    public static final int RESPONSE_MAC2 = RESPONSE_MAC1 + MAC;
    public static final int RESPONSE_SIZE = RESPONSE_MAC2 + MAC;

    // cookie reply
    public static final int COOKIE_RECEIVER = 4;
    public static final int COOKIE_NONCE = COOKIE_RECEIVER + 4;
    public static final int COOKIE_COOKIE = COOKIE_NONCE + XAead.NONCE_SIZE;
    public static final int COOKIE_REPLY_SIZE = COOKIE_COOKIE + MAC + TAG;

    // transport
    public static final int TRANSPORT_RECEIVER = 4;
    public static final int TRANSPORT_COUNTER = TRANSPORT_RECEIVER + 4;
    public static final int TRANSPORT_CONTENT = TRANSPORT_COUNTER + 8;
    public static final int TRANSPORT_HEADER_SIZE = TRANSPORT_CONTENT;
    /** An empty transport message: header and tag. */
    public static final int TRANSPORT_SIZE = TRANSPORT_HEADER_SIZE + TAG;
    public static final int KEEPALIVE_SIZE = TRANSPORT_SIZE;

    /**
     * The message type of a datagram if its length fits that type, else 0. The only check needed before the typed
     * views below, whose accessors then cannot fail.
     */
    public static int typeOf(ByteBuffer datagram) {
        int len = datagram.remaining();
        if (len < 4) return 0;
        int type = datagram.order(ByteOrder.LITTLE_ENDIAN).getInt(datagram.position());
        return switch (type) {
            case TYPE_INITIATION -> len == INITIATION_SIZE ? type : 0;
            case TYPE_RESPONSE -> len == RESPONSE_SIZE ? type : 0;
            case TYPE_COOKIE_REPLY -> len == COOKIE_REPLY_SIZE ? type : 0;
            case TYPE_TRANSPORT -> len >= TRANSPORT_SIZE && len <= Constants.MAX_MESSAGE_SIZE ? type : 0;
            default -> 0;
        };
    }

    static int getInt(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }

    /**
     * A transport message (whitepaper 5.4.6) over a buffer from its position: receiver index, counter, encrypted
     * packet. Check with {@link #typeOf} first.
     */
    public static final class Transport {
        private ByteBuffer buf;
        private int base;

        /** Points this reusable view at the message starting at {@code buf}'s position. */
        public Transport wrap(ByteBuffer buf) {
            this.buf = buf.order(ByteOrder.LITTLE_ENDIAN);
            this.base = buf.position();
            return this;
        }

        public int receiver() { return buf.getInt(base + TRANSPORT_RECEIVER); }

        public long counter() { return buf.getLong(base + TRANSPORT_COUNTER); }

        /** Length of the encrypted content including its tag. */
        public int contentLength() { return buf.limit() - base - TRANSPORT_CONTENT; }

        /** Writes the header for a message that will carry {@code counter}. */
        public static void writeHeader(ByteBuffer out, int at, int receiver, long counter) {
            ByteBuffer le = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            le.putInt(at, TYPE_TRANSPORT);
            le.putInt(at + TRANSPORT_RECEIVER, receiver);
            le.putLong(at + TRANSPORT_COUNTER, counter);
        }
    }

    /** The receiver index of a response, cookie reply or transport message (all at offset 4 or 8). */
    public static int receiverIndex(byte[] msg) {
        int type = getInt(msg, 0);
        return switch (type) {
            case TYPE_RESPONSE -> getInt(msg, RESPONSE_RECEIVER);
            case TYPE_COOKIE_REPLY -> getInt(msg, COOKIE_RECEIVER);
            case TYPE_TRANSPORT -> getInt(msg, TRANSPORT_RECEIVER);
            default -> throw new IllegalArgumentException("message type " + type + " has no receiver");
        };
    }

    /** The sender index of an initiation or response. */
    public static int senderIndex(byte[] msg) {
        return getInt(msg, 4);
    }

    /** The counter of a transport message. */
    public static long counter(byte[] msg) {
        long c = 0;
        for (int i = 7; i >= 0; i--) c = (c << 8) | (msg[TRANSPORT_COUNTER + i] & 0xff);
        return c;
    }

    /** A copy of a handshake message's remaining bytes (handshakes are kept past the datagram's buffer). */
    static byte[] copy(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }
}
