package dev.netext.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code netext install/uninstall --root DIR}: files only, never systemctl, never the real /etc. */
class InstallCommandTest {
    @TempDir
    Path root;

    @Test
    void installThenUninstallUnderARoot() throws Exception {
        assertThat(Main.run("install", "--root", root.toString(), "--exec", "/opt/netext/bin/netext")).isZero();
        Path unit = root.resolve("etc/systemd/system/netext.service");
        assertThat(Files.readString(unit)).contains("ExecStart=/opt/netext/bin/netext daemon");
        assertThat(root.resolve("etc/netext/profiles.d")).isDirectory();
        assertThat(root.resolve("etc/netext/plugins")).isDirectory();
        assertThat(Main.run("uninstall", "--root", root.toString())).isZero();
        assertThat(root.resolve("etc/netext")).doesNotExist();
        assertThat(unit).doesNotExist();
    }

    @Test
    void upWithANameAsksTheDaemonAndWithAFileRunsInTheForeground() {
        assertThat(UpCommand.isDaemonProfileName(Path.of("corp"))).isTrue();
        assertThat(UpCommand.isDaemonProfileName(Path.of("corp.yaml"))).isFalse();
        assertThat(UpCommand.isDaemonProfileName(Path.of("./corp"))).isFalse();
        assertThat(UpCommand.isDaemonProfileName(Path.of("/etc/netext/profiles.d/corp.yml"))).isFalse();
        // no daemon behind this socket: exit 3 with a sentence, not a stack trace
        assertThat(Main.run("up", "corp", "--control", root.resolve("none.sock").toString())).isEqualTo(3);
        assertThat(Main.run("down", "corp", "--control", root.resolve("none.sock").toString())).isEqualTo(3);
    }
}
