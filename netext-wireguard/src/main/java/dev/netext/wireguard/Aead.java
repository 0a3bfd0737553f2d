package dev.netext.wireguard;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.spec.SecretKeySpec;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * AEAD(key, counter, plain, authtext) of the whitepaper (section 5.4): ChaCha20-Poly1305 (RFC 8439) with a 96-bit
 * nonce of 32 zero bits followed by the 64-bit little-endian counter. The one entry point for transport messages
 * ({@link Keypair}) and the handshake ({@link NoiseProtocol}, which has authtext).
 *
 * <p>Two implementations: OpenSSL's libcrypto ({@link OpenSslAead}, the default: it keeps one cipher context per
 * thread and changes only key and nonce per message, where the JDK's {@code Cipher} needs a full {@code init}, a
 * quarter to a third of its AEAD cost) when it loads and passes the RFC 8439 known answer; otherwise the JDK's
 * ({@link JdkAead}), with one log line saying why. Setting libcrypto up (loading it, binding its calls, fetching the
 * cipher, the known answer) costs 80-150 CPU-ms, which on the first handshake sat on {@code wg up}'s first ping: so
 * the JDK's cipher seals and opens from the first use, and libcrypto is set up on a thread of its own
 * {@link Choice#SETUP_DELAY} later, once start-up's work is done — or as soon as a thread has used the JDK's
 * {@link Choice#BULK} times, when a transfer is under way — and taken from then on (the two give the same bytes, and
 * neither keeps state between messages that the other would need). {@code -Dnetext.wireguard.aead=jdk|openssl}
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

    /** This thread's instance of the implementation in use. */
    static Aead get() { return Choice.PER_THREAD.get().current(); }

    static Key key(byte[] raw) { return new Key(raw); }

    /** The implementation in use now: "openssl" or "jdk" (the JDK's until libcrypto is set up). */
    static String implementation() { return Choice.openssl ? "openssl" : "jdk"; }

    /** The implementation once the choice is final, setting libcrypto up now if it was not yet (tests, diagnostics). */
    static String settledImplementation() {
        Choice.SETUP_NOW.countDown();
        Choice.SETTLED.join();
        return implementation();
    }

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

    /**
     * Made on first use: the JDK's cipher at once; unless {@code jdk} is asked for, libcrypto set up on a daemon
     * thread {@link #SETUP_DELAY} later and used from then on if it loads and passes its known answer.
     */
    static final class Choice {
        /** After the first handshake: past a command's start (its first ping at ~0.5 s), early in a first transfer. */
        static final Duration SETUP_DELAY = Duration.ofSeconds(1);
        /** Messages one thread seals or opens with the JDK's cipher before libcrypto is set up at once: 1-2 ms of a transfer. */
        static final int BULK = 1024;
        static volatile boolean openssl;
        static final CountDownLatch SETUP_NOW = new CountDownLatch(1);
        static final CompletableFuture<Void> SETTLED = new CompletableFuture<>();
        static final ThreadLocal<PerThread> PER_THREAD = ThreadLocal.withInitial(PerThread::new);

        static {
            String wanted = System.getProperty(PROPERTY, "openssl");
            if (wanted.equals("jdk")) {
                openssl(wanted);
                SETTLED.complete(null);
            } else {
                Thread.ofPlatform().daemon().name("netext-aead-setup").start(() -> {
                    try {
                        SETUP_NOW.await(SETUP_DELAY.toMillis(), TimeUnit.MILLISECONDS);
                        openssl = openssl(wanted);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        SETTLED.complete(null);
                    }
                });
            }
        }

        /** A thread's instances, made on its first use of each. */
        private static final class PerThread {
            private JdkAead jdk;
            private OpenSslAead openssl;
            private int jdkUses;

            Aead current() {
                if (Choice.openssl) {
                    OpenSslAead o = openssl;
                    return o != null ? o : (openssl = new OpenSslAead());
                }
                if (++jdkUses == BULK) SETUP_NOW.countDown(); // a transfer: libcrypto's set-up pays off now
                JdkAead j = jdk;
                return j != null ? j : (jdk = new JdkAead());
            }
        }

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
