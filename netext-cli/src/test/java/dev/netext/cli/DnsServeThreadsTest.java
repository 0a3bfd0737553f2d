package dev.netext.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code dns serve} without {@code --threads} serves with one I/O thread per processor the JVM may use. */
class DnsServeThreadsTest {
    @Test
    void withoutThreadsItUsesEveryProcessor() {
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs("dns", "serve", "--default", "127.0.0.53");
        DnsCommand.Serve serve = parsed.subcommand().subcommand().commandSpec().commandLine().getCommand();
        assertThat(serve.threads).isEqualTo(Runtime.getRuntime().availableProcessors());
    }
}
