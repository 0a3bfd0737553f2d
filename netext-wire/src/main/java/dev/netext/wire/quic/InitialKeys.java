package dev.netext.wire.quic;

import java.util.Arrays;

/**
 * The packet protection keys of one direction of QUIC Initial packets (RFC 9001 §5.2): from the client's first
 * Destination Connection ID,
 * <pre>
 * initial_secret        = HKDF-Extract(initial_salt, client_dst_connection_id)
 * client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", 32)
 * key = HKDF-Expand-Label(client_initial_secret, "quic key", "", 16)     ("quicv2 key" in version 2)
 * iv  = HKDF-Expand-Label(client_initial_secret, "quic iv",  "", 12)
 * hp  = HKDF-Expand-Label(client_initial_secret, "quic hp",  "", 16)
 * </pre>
 * Anyone who sees the connection ID can derive them: they protect against tampering by off-path attackers, not
 * against reading, which is what lets netext read the SNI of a QUIC connection.
 */
public final class InitialKeys {
    private final byte[] secret = new byte[Hkdf.HASH_LEN];
    final byte[] key = new byte[QuicSpec.KEY_LEN];
    final byte[] iv = new byte[QuicSpec.IV_LEN];
    final byte[] hp = new byte[QuicSpec.HP_KEY_LEN];

    /** Fills this instance for {@code version} and the connection ID; {@code client} selects "client in"/"server in". */
    void derive(Hkdf hkdf, QuicVersion version, byte[] dcid, int off, int len, boolean client) {
        byte[] initialSecret = new byte[Hkdf.HASH_LEN];
        hkdf.extract(version.initialSalt(), dcid, off, len, initialSecret);
        hkdf.expandLabel(initialSecret, client ? "client in" : "server in", Hkdf.HASH_LEN, secret);
        Arrays.fill(initialSecret, (byte) 0);
        hkdf.expandLabel(secret, version.labelPrefix() + "key", QuicSpec.KEY_LEN, key);
        hkdf.expandLabel(secret, version.labelPrefix() + "iv", QuicSpec.IV_LEN, iv);
        hkdf.expandLabel(secret, version.labelPrefix() + "hp", QuicSpec.HP_KEY_LEN, hp);
    }

    /** Derives the keys of client ({@code client = true}) or server Initial packets for a connection ID. */
    public static InitialKeys derive(QuicVersion version, byte[] dcid, boolean client) {
        InitialKeys k = new InitialKeys();
        k.derive(new Hkdf(), version, dcid, 0, dcid.length, client);
        return k;
    }

    /** The direction's initial secret ({@code client_initial_secret} or {@code server_initial_secret}). */
    public byte[] secret() { return secret.clone(); }

    public byte[] key() { return key.clone(); }

    public byte[] iv() { return iv.clone(); }

    public byte[] hp() { return hp.clone(); }
}
