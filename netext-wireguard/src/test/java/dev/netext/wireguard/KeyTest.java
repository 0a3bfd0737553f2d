package dev.netext.wireguard;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyTest {
    @Test
    void publicKeysMatchWgPubkey() {
        // Pairs printed by `wg pubkey` / `wg show` (see kat/README.md).
        assertThat(Key.fromBase64("8GQvgBRHU2/Cn67XnnGUTg5Q142gh4w4AH2M3bivj04=").publicKey().toBase64())
                .isEqualTo("3zbDu482f5eH61KKv/BzjYi2sDU7+x0Cm5NDlcZ3AxQ=");
        assertThat(Key.fromBase64("2JTUNS4yFEpW2cTgybXpwBJ64rk4KrSxUSONrBA4KVI=").publicKey().toBase64())
                .isEqualTo("YZ1YV6kLBWLoUGzX4phKKM8XKv2m8cFQPHODt6DLfFQ=");
    }

    @Test
    void x25519MatchesRfc7748Section6_1() {
        byte[] alice = HexFormat.of().parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bob = HexFormat.of().parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        assertThat(HexFormat.of().formatHex(X25519.publicKey(alice)))
                .isEqualTo("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
        assertThat(HexFormat.of().formatHex(X25519.sharedSecret(alice, X25519.publicKey(bob))))
                .isEqualTo("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    }

    @Test
    void lowOrderPointsGiveNoSharedSecret() {
        byte[] zero = new byte[32];
        assertThat(X25519.sharedSecret(Key.generatePrivate().bytes(), zero)).isNull();
    }

    @Test
    void generatedKeysAreClampedAndRoundTripThroughBase64() {
        Key k = Key.generatePrivate();
        byte[] b = k.bytes();
        assertThat(b[0] & 7).isZero();
        assertThat(b[31] & 0xc0).isEqualTo(0x40);
        assertThat(Key.fromBase64(k.toBase64())).isEqualTo(k);
        assertThat(Key.generatePreshared()).isNotEqualTo(Key.generatePreshared());
        assertThat(k.toString()).doesNotContain(k.toBase64());
    }

    @Test
    void badTextIsRefusedClearly() {
        assertThatThrownBy(() -> Key.fromBase64("not base64!")).hasMessageContaining("base64");
        assertThatThrownBy(() -> Key.fromBase64("AAAA")).hasMessageContaining("3 bytes");
    }

    @Test
    void zeroErasesTheKey() {
        Key k = Key.generatePreshared();
        k.zero();
        assertThat(k.isZero()).isTrue();
    }

    @Test
    void tai64nOrdersByTimeAndRoundsDownNanoseconds() {
        var t = java.time.Instant.parse("2025-06-01T12:00:00.123456789Z");
        byte[] a = Tai64n.of(t);
        byte[] b = Tai64n.of(t.plusMillis(20));
        assertThat(Tai64n.after(b, a)).isTrue();
        assertThat(Tai64n.after(a, a)).isFalse();
        assertThat(Tai64n.toInstant(a)).isBetween(t.minusMillis(17), t);
        assertThat(HexFormat.of().formatHex(a, 0, 8)).isEqualTo(String.format("%016x", (1L << 62) + 10 + t.getEpochSecond()));
    }

    @Test
    void constructionAndIdentifierAreTheWhitepapers() {
        assertThat(NoiseProtocol.CONSTRUCTION).isEqualTo("Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s");
        assertThat(NoiseProtocol.IDENTIFIER).isEqualTo("WireGuard v1 zx2c4 Jason@zx2c4.com");
        assertThat(Messages.INITIATION_SIZE).isEqualTo(148);
        assertThat(Messages.RESPONSE_SIZE).isEqualTo(92);
        assertThat(Messages.COOKIE_REPLY_SIZE).isEqualTo(64);
        assertThat(Messages.KEEPALIVE_SIZE).isEqualTo(32);
        assertThat(Constants.MAX_TIMER_HANDSHAKES).isEqualTo(18);
        assertThat(Long.toUnsignedString(Constants.REJECT_AFTER_MESSAGES)).isEqualTo("18446744073709543423");
    }
}
