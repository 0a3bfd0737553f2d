package dev.netext.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher's own behaviour; the benchmarks themselves need root and namespaces and run from bench/*.sh. */
class BenchMainTest {
    @Test
    void anUnknownCapabilityIsRefusedWithTheKnownOnes() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(BenchMain.run("nosuch")).isEqualTo(2);
        } finally {
            System.setErr(err);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .contains("netext-bench: unknown capability 'nosuch'; known: tunnel, dns, packet-filter, wireguard, flows");
    }
}
