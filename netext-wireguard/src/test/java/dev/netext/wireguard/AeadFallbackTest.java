package dev.netext.wireguard;

import dev.netext.linux.ffm.ChaCha20Poly1305;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Where libcrypto cannot be bound (here: a JVM that denies native access), {@link Aead} falls back to the JDK's cipher,
 * says why in one log line, and seals and opens as before; {@code -Dnetext.wireguard.aead=jdk} picks the JDK quietly.
 */
class AeadFallbackTest {
    @Test
    void withoutLibcryptoTheJdkCipherServesAndOneLineSaysWhy() throws Exception {
        String out = runProbe("--illegal-native-access=deny");
        assertThat(out).contains("implementation=jdk", "round trip=ok");
        assertThat(out.lines().filter(l -> l.contains("WireGuard AEAD:"))).singleElement().asString()
                .contains("WARN", "the JDK's ChaCha20-Poly1305, since OpenSSL's cannot be used", "libssl3");
    }

    @Test
    void theJdkSealsFromTheFirstUseAndLibcryptoTakesOverOnceSetUp() throws Exception {
        assumeTrue(ChaCha20Poly1305.available(), () -> "libcrypto.so.3 (libssl3): " + ChaCha20Poly1305.unavailableBecause());
        String out = runProbe("--enable-native-access=ALL-UNNAMED");
        assertThat(out).contains("round trip=ok first=JdkAead", "implementation=openssl", "round trip=ok then=OpenSslAead")
                .doesNotContain("WARN");
    }

    @Test
    void thePropertyPicksTheJdk() throws Exception {
        String out = runProbe("--enable-native-access=ALL-UNNAMED", "-D" + Aead.PROPERTY + "=jdk");
        assertThat(out).contains("implementation=jdk", "round trip=ok").doesNotContain("WARN");
    }

    private static String runProbe(String... jvmOptions) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /**
     * Runs in the child JVM: a handshake-style round trip at once (the JDK's cipher, libcrypto not set up yet), which
     * AEAD it settled on, and a round trip through that.
     */
    public static final class Probe {
        public static void main(String[] args) {
            System.out.println("round trip=" + roundTrip(7) + " first=" + Aead.get().getClass().getSimpleName());
            System.out.println("implementation=" + Aead.settledImplementation());
            System.out.println("round trip=" + roundTrip(8) + " then=" + Aead.get().getClass().getSimpleName());
        }

        /** The JDK's cipher refuses to seal twice under one key and nonce, as a sender must: a counter each. */
        private static String roundTrip(long counter) {
            byte[] key = new byte[32], plain = "probe".getBytes(StandardCharsets.US_ASCII), authtext = {1, 2};
            byte[] sealed = Aead.get().seal(key, counter, plain, authtext);
            byte[] opened = Aead.get().open(key, counter, sealed, 0, sealed.length, authtext);
            return Arrays.equals(opened, plain) ? "ok" : "failed";
        }
    }
}
