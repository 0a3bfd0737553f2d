package dev.netext.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

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

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "dns --rounds 0         | option '--rounds': 0 is out of range (accepted: 1 or more)",
            "tunnel --sizes 64,-1   | option '--sizes' (<sizes>): -1 is out of range (accepted: 1 or more)",
            "flows --seconds -1     | option '--seconds': -1 is out of range (accepted: 0 or more)",
    })
    void outOfRangeOptionsNameTheOptionAndTheRange(String args, String expected) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new BenchMain());
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute(args.strip().split(" +"))).as(err.toString()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).startsWith("Invalid value for " + expected.strip());
    }
}
