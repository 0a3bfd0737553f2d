package dev.netext.daemon.install;

import dev.netext.linux.sys.HostPackages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Install and uninstall under a temporary root: never the real /etc or systemd. */
class InstallerTest {
    @TempDir
    Path root;

    static final Path LAUNCHER = Path.of("../bin/netext").toAbsolutePath().normalize();

    @Test
    void installWritesTheUnitAndDirectoriesAndIsIdempotent() throws Exception {
        Installer in = new Installer(root);
        Installer.Result r = in.install(LAUNCHER);
        assertThat(r.actions()).contains("created " + root.resolve("etc/netext/profiles.d"), "wrote " + root.resolve("etc/systemd/system/netext.service"));
        assertThat(root.resolve("etc/netext/profiles.d")).isDirectory();
        assertThat(root.resolve("etc/netext/plugins")).isDirectory();
        String unit = Files.readString(in.unitFile());
        assertThat(unit).contains("Type=simple")
                .contains("ExecStart=" + LAUNCHER + " daemon --profiles-dir /etc/netext/profiles.d")
                .contains("ExecReload=/bin/kill -HUP $MAINPID")
                .contains("Restart=on-failure")
                .contains("RestartPreventExitStatus=2")
                .contains("SuccessExitStatus=143")
                .contains("CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW")
                .contains("RuntimeDirectoryPreserve=yes")
                .contains("WantedBy=multi-user.target");
        assertThat(in.install(LAUNCHER).actions()).containsExactly("unchanged " + in.unitFile());
        assertThat(in.install(Path.of("/opt/netext/bin/netext")).actions()).containsExactly("updated " + in.unitFile());
    }

    @Test
    void theUnitPassesSystemdsOwnCheck() throws Exception {
        HostPackages.require("systemd-analyze");
        Installer in = new Installer(root);
        in.install(LAUNCHER);
        Process p = new ProcessBuilder("systemd-analyze", "verify", in.unitFile().toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).doesNotContain("Unknown key").doesNotContain("netext.service:");
    }

    @Test
    void uninstallRemovesItAllButKeepsAddedProfilesUnlessPurged() throws Exception {
        Installer in = new Installer(root);
        in.install(LAUNCHER);
        Files.writeString(in.profilesDir().resolve("corp.yaml"), "tunnel: { provider: echo }\n");
        Installer.Result kept = in.uninstall(false);
        assertThat(kept.actions()).contains("removed " + in.unitFile(), "removed " + in.pluginsDir())
                .anyMatch(a -> a.startsWith("kept " + in.profilesDir() + " (1 file(s)"));
        assertThat(in.unitFile()).doesNotExist();
        assertThat(in.profilesDir().resolve("corp.yaml")).exists();

        Installer.Result purged = in.uninstall(true);
        assertThat(purged.actions()).contains("removed " + in.profilesDir() + " with 1 file(s)", "removed " + in.etcDir());
        assertThat(root.resolve("etc/netext")).doesNotExist();
        assertThat(in.uninstall(false).actions()).containsExactly("nothing to remove: netext is not installed under " + root);

        in.install(LAUNCHER);
        in.uninstall(false);
        assertThat(root.resolve("etc/netext")).doesNotExist();
        assertThat(root.resolve("etc/systemd/system")).isEmptyDirectory();
    }
}
