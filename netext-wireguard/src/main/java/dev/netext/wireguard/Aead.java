package dev.netext.wireguard;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.spec.SecretKeySpec;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * AEAD(key, counter, plain, authtext) of the whitepaper (section 5.4): ChaCha20-Poly1305 (RFC 8439) with a 96-bit
 * nonce of 32 zero bits followed by the 64-bit little-endian counter. The one entry point for transport messages
 * ({@link Keypair}) and the handshake ({@link NoiseProtocol}, which has authtext).
 *
 * <p>Two implementations, chosen once on first use: OpenSSL's libcrypto ({@link OpenSslAead}, the default: it keeps
 * one cipher context per thread and changes only key and nonce per message, where the JDK's {@code Cipher} needs a
 * full {@code init}, a quarter to a third of its AEAD cost) when it loads and passes the RFC 8439 known answer;
 * otherwise the JDK's ({@link JdkAead}), with one log line saying why. {@code -Dnetext.wireguard.aead=jdk|openssl}
 * picks one for comparisons ({@code openssl} still falls back, and says so, where libcrypto cannot be used).
 *
 * <p>One instance belongs to one thread ({@link #get}). A tag that does not verify is {@code null} or -1, never an
 * exception.
 */
abstract sealed class Aead permits JdkAead, OpenSslAead {
    static final int TAG_SIZE = 16;
    static final int NONCE_SIZE = 12;
    static final String PROPERTY = "netext.wireguard.aead";

    private static final Logger LOG = LoggerFactory.getLogger(Aead.class);

    /** A transport key: the raw bytes (zeroed with the key pair), and the JDK's key object if the JDK needs one. */
    static final class Key {
        final byte[] raw;
        /** {@link #raw} as a heap segment, made once: OpenSSL reads it in place. */
        final MemorySegment segment;
        private SecretKeySpec jdk;

        Key(byte[] raw) {
            this.raw = raw;
            this.segment = MemorySegment.ofArray(raw);
        }

        /** Made on first use (racing threads make equal ones); it copies the key, so zeroing does not reach it. */
        SecretKeySpec jdk() {
            SecretKeySpec k = jdk;
            if (k == null) jdk = k = new SecretKeySpec(raw, "ChaCha20");
            return k;
        }
    }

    /** This thread's instance of the chosen implementation. */
    static Aead get() { return Choice.PER_THREAD.get(); }

    static Key key(byte[] raw) { return new Key(raw); }

    /** The implementation in use: "openssl" or "jdk". */
    static String implementation() { return Choice.OPENSSL ? "openssl" : "jdk"; }

    /** Seals {@code plain} into a new array of plain.length + 16 bytes. */
    abstract byte[] seal(byte[] key, long counter, byte[] plain, byte[] authtext);

    /** Opens {@code sealed[off, off+len)}; null if the tag does not verify. */
    abstract byte[] open(byte[] key, long counter, byte[] sealed, int off, int len, byte[] authtext);

    /**
     * Seals the remaining bytes of {@code plain} into {@code out} (no authtext: transport messages have none); both
     * positions advance. Returns the bytes written (plain + 16).
     */
    abstract int seal(Key key, long counter, ByteBuffer plain, ByteBuffer out);

    /** Opens the remaining bytes of {@code sealed} into {@code out}; -1 if the tag does not verify (or no tag fits). */
    abstract int open(Key key, long counter, ByteBuffer sealed, ByteBuffer out);

    /** Made on first use: the property, then whether libcrypto loads and passes its known answer. */
    static final class Choice {
        static final boolean OPENSSL = openssl(System.getProperty(PROPERTY, "openssl"));
        static final ThreadLocal<Aead> PER_THREAD =
                ThreadLocal.withInitial(() -> OPENSSL ? new OpenSslAead() : new JdkAead());

        /** Whether OpenSSL's AEAD is used when {@code wanted} ("jdk" or "openssl") is asked for; logs the choice. */
        static boolean openssl(String wanted) {
            if (wanted.equals("jdk")) {
                LOG.info("WireGuard AEAD: the JDK's ChaCha20-Poly1305 (-D{}=jdk)", PROPERTY);
                return false;
            }
            if (!wanted.equals("openssl")) LOG.warn("-D{}={}: unknown, expected jdk or openssl; trying openssl", PROPERTY, wanted);
            String unusable = OpenSslAead.unusableBecause();
            if (unusable != null) {
                LOG.warn("WireGuard AEAD: the JDK's ChaCha20-Poly1305, since OpenSSL's cannot be used: {}", unusable);
                return false;
            }
            LOG.debug("WireGuard AEAD: ChaCha20-Poly1305 from {}", OpenSslAead.version());
            return true;
        }
    }
}
