package dev.netext.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Numeric options refuse values out of their range before the command runs, naming the option and the accepted range
 * in picocli's own message style (issue 11, defect 7): run through the CLI as {@code netext} runs it.
 */
class OptionRangeTest {
    private record Result(int exitCode, String err) {}

    private static Result run(String... args) {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(out, true));
        int code = cl.execute(args);
        return new Result(code, err.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "dns serve --threads -1        | option '--threads': -1 is out of range (accepted: 1..1024)",
            "dns serve --threads 0         | option '--threads': 0 is out of range (accepted: 1..1024)",
            "dns serve --timeout 0         | option '--timeout': 0 is out of range (accepted: 1..86400000)",
            "dns serve --cache -5          | option '--cache': -5 is out of range (accepted: 0 or more)",
            "dns serve --rate-limit -1     | option '--rate-limit': -1 is out of range (accepted: 0..10000000)",
            "dns serve --cache-bytes 0     | option '--cache-bytes': 0 is out of range (accepted: 1 or more)",
            "daemon --restart-delay 0      | option '--restart-delay': 0 is out of range (accepted: 1..86400000)",
            "daemon --restart-max-delay -3 | option '--restart-max-delay': -3 is out of range (accepted: 1..86400000)",
            "capture -w x --count -1       | option '--count': -1 is out of range (accepted: 0 or more)",
            "capture -w x --seconds -0.5   | option '--seconds': -0.5 is out of range (accepted: 0 or more)",
            "capture -w x --snaplen 0      | option '--snaplen': 0 is out of range (accepted: 1..65535)",
            "capture -w x --flow -2        | option '--flow': -2 is out of range (accepted: 1 or more)",
            "events --after -1             | option '--after': -1 is out of range (accepted: 0 or more)",
            "sandbox --udp-packets 0       | option '--udp-packets': 0 is out of range (accepted: 1 or more)",
    })
    void outOfRangeValuesNameTheOptionAndTheRange(String args, String expected) {
        Result r = run(args.strip().split(" +"));
        assertThat(r.exitCode()).as(r.err()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(r.err()).startsWith("Invalid value for " + expected.strip());
    }

    @Test
    void aWordIsNotANumberAndTheRangeIsStillNamed() {
        Result r = run("dns", "serve", "--threads", "many");
        assertThat(r.exitCode()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(r.err()).startsWith("Invalid value for option '--threads': 'many' is not a whole number (accepted: 1..1024)");
    }

    @Test
    void aListenPortOutOfRangeSaysTheRangeToo() {
        Result r = run("daemon", "--metrics", "127.0.0.1:70000");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("netext: --metrics: port 70000 is out of range (accepted: 0..65535)" + System.lineSeparator());
    }

    @Test
    void valuesInRangeAreAccepted() {
        CommandLine cl = Main.commandLine();
        CommandLine.ParseResult parsed = cl.parseArgs("dns", "serve", "--threads", "2", "--timeout", "1", "--cache", "0",
                "--rate-limit", "0", "--cache-bytes", "65536");
        DnsCommand.Serve serve = parsed.subcommand().subcommand().commandSpec().commandLine().getCommand();
        assertThat(serve.threads).isEqualTo(2);
        assertThat(serve.timeoutMillis).isEqualTo(1);
        assertThat(serve.cacheEntries).isZero();
        assertThat(serve.rateLimit).isZero();
        assertThat(serve.cacheBytes).isEqualTo(65_536);
    }
}
