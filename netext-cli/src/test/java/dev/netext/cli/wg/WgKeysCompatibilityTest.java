package dev.netext.cli.wg;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.sys.HostPackages;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code netext wg genkey | pubkey | genpsk} against the real {@code wg} binary, both ways round. */
class WgKeysCompatibilityTest {
    private static String run(String stdin, List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", cmd, out).isZero();
        return out;
    }

    private static String netext(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(NetextProcess.javaCommand());
        cmd.addAll(List.of(args));
        return run(stdin, cmd);
    }

    private static String wg(String stdin, String... args) throws Exception {
        HostPackages.require("wg");
        List<String> cmd = new ArrayList<>(List.of("wg"));
        cmd.addAll(List.of(args));
        return run(stdin, cmd);
    }

    @Test
    void publicKeysAgreeBothWays() throws Exception {
        for (int i = 0; i < 3; i++) {
            String ours = netext(null, "wg", "genkey");
            assertThat(ours).matches("[A-Za-z0-9+/]{43}=\n");
            assertThat(netext(ours, "wg", "pubkey")).isEqualTo(wg(ours, "pubkey"));
            String theirs = wg(null, "genkey");
            assertThat(netext(theirs, "wg", "pubkey")).isEqualTo(wg(theirs, "pubkey"));
        }
        // wg pubkey clamps whatever it is given: so must we
        String unclamped = java.util.Base64.getEncoder().encodeToString(new byte[] {
                (byte) 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
                27, 28, 29, 30, (byte) 0xff}) + "\n";
        assertThat(netext(unclamped, "wg", "pubkey")).isEqualTo(wg(unclamped, "pubkey"));
    }

    @Test
    void presharedKeysAre32RandomBytesInBase64() throws Exception {
        String a = netext(null, "wg", "genpsk"), b = netext(null, "wg", "genpsk");
        assertThat(a).matches("[A-Za-z0-9+/]{43}=\n").isNotEqualTo(b);
        // wg accepts it where it takes a preshared key
        assertThat(wg(a, "pubkey")).matches("[A-Za-z0-9+/]{43}=\n");
    }

    @Test
    void aBadKeyIsRefusedLikeWgDoes() throws Exception {
        List<String> cmd = new ArrayList<>(NetextProcess.javaCommand());
        cmd.addAll(List.of("wg", "pubkey"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().write("not a key\n".getBytes());
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(out).contains("key is not the correct length or format");
    }
}
