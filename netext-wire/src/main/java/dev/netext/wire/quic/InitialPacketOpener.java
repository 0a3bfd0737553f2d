package dev.netext.wire.quic;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import static dev.netext.wire.quic.QuicSpec.*;

/**
 * Opens client Initial packets (RFC 9001 §5): removes header protection with an AES-128-ECB mask over a sample of
 * the ciphertext (§5.4.1, §5.4.3), recovers the packet number, and decrypts the payload with AES-128-GCM, the packet
 * number XORed into the IV as nonce and the unprotected header as associated data (§5.3).
 *
 * <p>Keys are derived once per connection ID and version and cached, so a flow's second Initial costs no key
 * derivation. The JCE objects are created once; per packet the JCE allocates a parameter spec and little else.
 * Not thread-safe; keep one per worker.
 */
public final class InitialPacketOpener {
    private final Hkdf hkdf = new Hkdf();
    private final Cipher headerProtection;
    private final Cipher aead;
    private final InitialKeys keys = new InitialKeys();
    private SecretKeySpec aeadKey;
    private QuicVersion keyVersion;
    private final byte[] keyDcid = new byte[MAX_CONNECTION_ID_LEN];
    private int keyDcidLength = -1;
    private final byte[] mask = new byte[SAMPLE_LEN];
    private final byte[] nonce = new byte[IV_LEN];
    private String problem;
    private long packetNumber;

    public InitialPacketOpener() {
        try {
            headerProtection = Cipher.getInstance("AES/ECB/NoPadding");
            aead = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES/ECB or AES/GCM", e); // both are required of every JDK
        }
    }

    /**
     * Opens the client Initial packet {@code pkt[start, packetEnd)} in place: the header bytes are unmasked in
     * {@code pkt}, the payload is decrypted into {@code out} (which needs {@code packetEnd - pnOffset} bytes).
     *
     * @param pnOffset where the (protected) Packet Number starts: after the Length field
     * @return the plaintext length, or -1 with {@link #problem()} saying why
     */
    public int open(byte[] pkt, int start, int pnOffset, int packetEnd, QuicVersion version, int dcidOff, int dcidLen,
                    byte[] out) {
        problem = null;
        int sample = pnOffset + SAMPLE_OFFSET_FROM_PN;
        if (sample + SAMPLE_LEN > packetEnd) return fail("packet too short for the header protection sample");
        try {
            useKeys(version, pkt, dcidOff, dcidLen);
            headerProtection.doFinal(pkt, sample, SAMPLE_LEN, mask, 0);
            pkt[start] ^= (byte) (mask[0] & LONG_HEADER_PROTECTED_BITS);
            int pnLength = (pkt[start] & PACKET_NUMBER_LENGTH_MASK) + 1;
            long pn = 0;
            for (int i = 0; i < pnLength; i++) {
                pkt[pnOffset + i] ^= mask[1 + i];
                pn = pn << 8 | (pkt[pnOffset + i] & 0xFF);
            }
            // A client's first packets follow no acknowledged packet: the truncated number is the number (RFC 9000 §A.3).
            packetNumber = pn;
            System.arraycopy(keys.iv, 0, nonce, 0, IV_LEN);
            for (int i = 0; i < 8; i++) nonce[IV_LEN - 1 - i] ^= (byte) (pn >>> (8 * i));
            int payload = pnOffset + pnLength;
            aead.init(Cipher.DECRYPT_MODE, aeadKey, new GCMParameterSpec(AEAD_TAG_LEN * 8, nonce));
            aead.updateAAD(pkt, start, payload - start);
            int n = aead.doFinal(pkt, payload, packetEnd - payload, out, 0);
            // RFC 9000 §17.2: non-zero reserved bits after removing protection are a PROTOCOL_VIOLATION.
            if ((pkt[start] & LONG_RESERVED_BITS) != 0) return fail("reserved header bits are set");
            return n;
        } catch (AEADBadTagException e) {
            return fail("authentication failed: not a client Initial for this connection ID");
        } catch (GeneralSecurityException e) {
            return fail("decryption failed");
        }
    }

    private void useKeys(QuicVersion version, byte[] pkt, int dcidOff, int dcidLen) throws GeneralSecurityException {
        if (version == keyVersion && dcidLen == keyDcidLength
                && Arrays.equals(pkt, dcidOff, dcidOff + dcidLen, keyDcid, 0, dcidLen)) return;
        keyVersion = null; // stays unset if derivation fails
        keys.derive(hkdf, version, pkt, dcidOff, dcidLen, true);
        headerProtection.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.hp, "AES"));
        aeadKey = new SecretKeySpec(keys.key, "AES");
        System.arraycopy(pkt, dcidOff, keyDcid, 0, dcidLen);
        keyDcidLength = dcidLen;
        keyVersion = version;
    }

    private int fail(String why) {
        problem = why;
        return -1;
    }

    /** Why the last {@link #open} returned -1. */
    public String problem() { return problem; }

    /** The packet number of the last opened packet. */
    public long packetNumber() { return packetNumber; }
}
