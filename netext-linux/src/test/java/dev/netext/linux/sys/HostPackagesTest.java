package dev.netext.linux.sys;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostPackagesTest {
    @Test
    void theListFromPackagesDirectoryIsInTheJarAndWellFormed() {
        assertThat(HostPackages.all()).hasSizeGreaterThan(10).allSatisfy(p -> {
            assertThat(Set.of("runtime", "sandbox", "test", "bench", "package", "unpack")).containsAll(p.roles());
            assertThat(p.provides()).isNotEmpty();
            assertThat(p.why()).as(p.name()).isNotBlank();
        });
    }

    @Test
    void programsAreMappedToTheirPackageByNameOrPath() {
        assertThat(HostPackages.providing("nft")).get().extracting(HostPackages.Package::name).isEqualTo("nftables");
        assertThat(HostPackages.providing("/usr/sbin/nft")).get().extracting(HostPackages.Package::name).isEqualTo("nftables");
        assertThat(HostPackages.providing("danted")).get().extracting(HostPackages.Package::name).isEqualTo("dante-server");
        assertThat(HostPackages.providing("dig")).get().extracting(HostPackages.Package::name).isEqualTo("bind9-dnsutils");
        assertThat(HostPackages.providing("netext-no-such-program")).isEmpty();
    }

    @Test
    void aMissingProgramIsOneLineNamingItsPackage() {
        MissingProgramException e = new MissingProgramException("nft", HostPackages.providing("nft"));
        assertThat(e.getMessage()).doesNotContain("\n")
                .startsWith("nft is not installed: it comes with the Debian package nftables (")
                .endsWith("; as root: apt-get install nftables");
        assertThatThrownBy(() -> HostPackages.require("sh", "/nonexistent/netext-no-such-program"))
                .isInstanceOf(MissingProgramException.class)
                .hasMessage("/nonexistent/netext-no-such-program is not installed (not found on PATH)");
    }

    @Test
    void installedProgramsAreFoundOnPathAndInSbin() throws Exception {
        HostPackages.require("sh", "ip"); // ip is in /usr/sbin, not on every user's PATH
        assertThat(HostPackages.installed("netext-no-such-program")).isFalse();
    }
}
