package dev.netext.linux.sys;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Cgroup2Test {

    @Test
    void aPathIsItsComponentsBelowTheRoot() {
        assertThat(Cgroup2.components("/user.slice//app.slice/x.scope")).containsExactly("user.slice", "app.slice", "x.scope");
        assertThatThrownBy(() -> Cgroup2.components("/")).hasMessageContaining("below the root");
        assertThatThrownBy(() -> Cgroup2.components("/a/./b")).hasMessageContaining("'.'");
        assertThatThrownBy(() -> Cgroup2.components("/a b")).hasMessageContaining("contains ' '");
    }

    /** On this host's hierarchy: nft's name is relative to /sys/fs/cgroup, the level counts from the hierarchy's root. */
    @Test
    void resolvesAnExistingCgroupAndRefusesAMissingOne() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "creating a cgroup needs root");
        Path root = Cgroup2.mountPoint().orElse(null);
        Assumptions.assumeTrue(root != null && root.startsWith(Cgroup2.NFT_ROOT), "no cgroup v2 hierarchy under /sys/fs/cgroup");
        String name = "netext-test-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
        Path top = Files.createDirectory(root.resolve(name)), child = Files.createDirectory(top.resolve("app"));
        try {
            Cgroup2.NftCgroup c = Cgroup2.resolve("/" + name + "/app");
            assertThat(c.level()).isEqualTo(2);
            assertThat(Cgroup2.NFT_ROOT.resolve(c.path())).isEqualTo(child);
            assertThat(c.match()).isEqualTo("socket cgroupv2 level 2 \"" + Cgroup2.NFT_ROOT.relativize(child) + "\"");
            assertThatThrownBy(() -> Cgroup2.resolve("/" + name + "/gone")).hasMessageContaining("does not exist")
                    .hasMessageContaining("must exist when the tunnel starts");
        } finally {
            Files.delete(child);
            Files.delete(top);
        }
    }
}
