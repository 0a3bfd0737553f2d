package dev.netext.daemon.install;

import dev.netext.linux.sys.HostPackages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The control group under a temporary root (groupadd --prefix): never the host's /etc/group. */
class SystemGroupTest {
    @TempDir
    Path root;

    @Test
    void installCreatesASystemGroupOnceAndUninstallKeepsIt() throws Exception {
        HostPackages.require("groupadd");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nusers:x:100:\n");
        SystemGroup group = SystemGroup.control(root);
        assertThat(group.exists()).isFalse();
        assertThat(group.ensure()).startsWith("created group netext (its members may run status, up, down, message, events, flows, dns log");
        String line = Files.readAllLines(root.resolve("etc/group")).stream().filter(l -> l.startsWith("netext:")).findFirst().orElseThrow();
        int gid = Integer.parseInt(line.split(":")[2]);
        assertThat(gid).as("a system group's gid: " + line).isBetween(1, 999);
        assertThat(group.exists()).isTrue();
        assertThat(group.ensure()).startsWith("group netext exists");
        assertThat(Files.readAllLines(root.resolve("etc/group")).stream().filter(l -> l.startsWith("netext:"))).hasSize(1);
        assertThat(group.keptNote()).contains("kept group netext").contains("groupdel netext");
    }

    @Test
    void aRootWithoutAGroupFileIsSkippedWithTheCommandToRun() throws Exception {
        assertThat(SystemGroup.control(root).ensure())
                .isEqualTo("skipped group netext: no " + root.resolve("etc/group") + " (create it in the image: groupadd --system netext)");
        assertThat(root.resolve("etc/group")).doesNotExist();
    }
}
