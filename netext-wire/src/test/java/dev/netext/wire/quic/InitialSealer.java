package dev.netext.wire.quic;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Test-only: protects client Initial packets the way a QUIC client does (RFC 9001 §5), so tests can build Initials
 * with any frames. Checked against RFC 9001 Appendix A.2 byte for byte in {@link InitialPacketOpenerTest}.
 */
public final class InitialSealer {
    private InitialSealer() {}

    public static byte[] seal(QuicVersion v, byte[] dcid, byte[] scid, byte[] token, long pn, int pnLength, byte[] payload) {
        try {
            InitialKeys keys = InitialKeys.derive(v, dcid, true);
            ByteArrayOutputStream h = new ByteArrayOutputStream();
            h.write(0xC0 | v.initialPacketType() << 4 | (pnLength - 1));
            h.write(v.wire() >>> 24);
            h.write(v.wire() >>> 16);
            h.write(v.wire() >>> 8);
            h.write(v.wire());
            h.write(dcid.length);
            h.writeBytes(dcid);
            h.write(scid.length);
            h.writeBytes(scid);
            h.writeBytes(varint(token.length));
            h.writeBytes(token);
            int length = pnLength + payload.length + QuicSpec.AEAD_TAG_LEN;
            h.write(0x40 | length >>> 8); // 2-byte varint, as in RFC 9001 A.2
            h.write(length);
            int pnOffset = h.size();
            for (int i = pnLength - 1; i >= 0; i--) h.write((int) (pn >>> (8 * i)));
            byte[] header = h.toByteArray();

            byte[] nonce = keys.iv();
            for (int i = 0; i < 8; i++) nonce[nonce.length - 1 - i] ^= (byte) (pn >>> (8 * i));
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.key(), "AES"), new GCMParameterSpec(128, nonce));
            gcm.updateAAD(header);
            byte[] sealed = gcm.doFinal(payload);

            byte[] packet = Arrays.copyOf(header, header.length + sealed.length);
            System.arraycopy(sealed, 0, packet, header.length, sealed.length);
            Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.hp(), "AES"));
            byte[] mask = ecb.doFinal(packet, pnOffset + 4, 16);
            packet[0] ^= (byte) (mask[0] & 0x0f);
            for (int i = 0; i < pnLength; i++) packet[pnOffset + i] ^= mask[1 + i];
            return packet;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] varint(long v) {
        if (v < 64) return new byte[] {(byte) v};
        if (v < 16384) return new byte[] {(byte) (0x40 | v >>> 8), (byte) v};
        if (v < 1L << 30) return new byte[] {(byte) (0x80 | v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[7 - i] = (byte) (v >>> (8 * i));
        b[0] |= (byte) 0xC0;
        return b;
    }

    /** A CRYPTO frame carrying {@code data[from, to)} at stream offset {@code from}. */
    public static byte[] crypto(byte[] data, int from, int to) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(QuicSpec.FRAME_CRYPTO);
        o.writeBytes(varint(from));
        o.writeBytes(varint(to - from));
        o.write(data, from, to - from);
        return o.toByteArray();
    }

    /** Frames concatenated, then PADDING up to {@code size} bytes (no padding if already longer). */
    public static byte[] payload(int size, byte[]... frames) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] f : frames) o.writeBytes(f);
        if (o.size() < size) o.writeBytes(new byte[size - o.size()]);
        return o.toByteArray();
    }

    /** Packets concatenated into one datagram, zero-filled up to {@code size}. */
    public static byte[] datagram(int size, byte[]... packets) {
        return payload(size, packets);
    }
}
