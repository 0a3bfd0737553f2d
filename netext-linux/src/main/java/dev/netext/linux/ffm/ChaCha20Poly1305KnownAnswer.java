package dev.netext.linux.ffm;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The AEAD test vector of RFC 8439 section 2.8.2 (114 bytes with 12 bytes of aad), checked against a
 * {@link ChaCha20Poly1305} before it is trusted: sealing gives the RFC's ciphertext and tag, opening gives the
 * plaintext back, and a flipped tag bit is refused.
 */
public final class ChaCha20Poly1305KnownAnswer {
    private ChaCha20Poly1305KnownAnswer() {}

    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] KEY = HEX.parseHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    private static final byte[] NONCE = HEX.parseHex("070000004041424344454647");
    private static final byte[] AAD = HEX.parseHex("50515253c0c1c2c3c4c5c6c7");
    private static final byte[] PLAIN = ("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
            + "the future, sunscreen would be it.").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] SEALED = HEX.parseHex(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b"
            + "1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
            + "3ff4def08e4b7a9de576d26586cec64b6116"
            + "1ae10b594f09e26a7e902ecbd0600691");

    public static byte[] key() { return KEY.clone(); }
    public static byte[] nonce() { return NONCE.clone(); }
    public static byte[] aad() { return AAD.clone(); }
    public static byte[] plain() { return PLAIN.clone(); }
    /** Ciphertext, then the tag. */
    public static byte[] sealed() { return SEALED.clone(); }

    /** What {@code aead} got wrong on the vector, or null if it got everything right. */
    public static String failure(ChaCha20Poly1305 aead) {
        MemorySegment key = MemorySegment.ofArray(KEY), nonce = MemorySegment.ofArray(NONCE), aad = MemorySegment.ofArray(AAD);
        byte[] sealed = new byte[SEALED.length];
        int n = aead.seal(key, nonce, aad, MemorySegment.ofArray(PLAIN), MemorySegment.ofArray(sealed));
        if (n != SEALED.length || !Arrays.equals(sealed, SEALED)) return "sealing gave other bytes than RFC 8439 2.8.2";
        byte[] opened = new byte[PLAIN.length];
        n = aead.open(key, nonce, aad, MemorySegment.ofArray(sealed), MemorySegment.ofArray(opened));
        if (n != PLAIN.length || !Arrays.equals(opened, PLAIN)) return "opening RFC 8439 2.8.2 gave other bytes";
        sealed[sealed.length - 1] ^= 1;
        n = aead.open(key, nonce, aad, MemorySegment.ofArray(sealed), MemorySegment.ofArray(opened));
        if (n != -1) return "a flipped tag bit was accepted";
        return null;
    }
}
