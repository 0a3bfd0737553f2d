package dev.netext.wireguard;

import java.time.Instant;
import java.util.Arrays;

/**
 * TAI64N timestamps (cr.yp.to/libtai/tai64.html) as carried in handshake initiations: 8 bytes big-endian seconds
 * with the TAI64 label 2^62 (plus 10 s, the TAI-UTC offset of 1970 that wireguard-go and the kernel also add), then
 * 4 bytes big-endian nanoseconds.
 *
 * <p>The responder keeps the greatest timestamp seen per peer and ignores initiations that do not exceed it
 * (whitepaper 5.1, replay of initiations). Nanoseconds are rounded down to 2^24 ns (about 16.8 ms), as wireguard-go
 * does, so the timestamp does not leak a precise clock (whitepaper 5.4.2 calls this out as a concern).
 */
public final class Tai64n {
    private Tai64n() {}

    public static final int SIZE = 12;
    private static final long BASE = (1L << 62) + 10;
    private static final int WHITENER_MASK = 0x1000000 - 1;

    /** The timestamp of {@code t}. */
    public static byte[] of(Instant t) {
        byte[] out = new byte[SIZE];
        long secs = BASE + t.getEpochSecond();
        int nanos = t.getNano() & ~WHITENER_MASK;
        for (int i = 0; i < 8; i++) out[i] = (byte) (secs >>> (56 - 8 * i));
        for (int i = 0; i < 4; i++) out[8 + i] = (byte) (nanos >>> (24 - 8 * i));
        return out;
    }

    /** The instant a timestamp stands for (for logs and {@code wg show}). */
    public static Instant toInstant(byte[] ts) {
        long secs = 0;
        for (int i = 0; i < 8; i++) secs = (secs << 8) | (ts[i] & 0xff);
        long nanos = 0;
        for (int i = 8; i < 12; i++) nanos = (nanos << 8) | (ts[i] & 0xff);
        return Instant.ofEpochSecond(secs - BASE, Math.min(nanos, 999_999_999));
    }

    /** Whether {@code a} is strictly later than {@code b} (both big-endian, so byte order is time order). */
    public static boolean after(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b) > 0;
    }
}
