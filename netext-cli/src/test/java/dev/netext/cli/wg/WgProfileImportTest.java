package dev.netext.cli.wg;

import dev.netext.cli.ProvidersAccess;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.ProfileException;
import dev.netext.daemon.profile.ProfileLoader;
import dev.netext.daemon.profile.TunnelSection;
import dev.netext.api.net.IpPrefix;
import dev.netext.wireguard.Key;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code tunnel: { provider: wireguard, config: wg0.conf }}: the wg-quick file becomes the tunnel's settings. */
class WgProfileImportTest {
    @TempDir
    Path dir;

    private ProfileLoader loader() { return new ProfileLoader(null, ProvidersAccess.importers()); }

    private Path conf(String extra) throws Exception {
        Path c = dir.resolve("wg0.conf");
        Files.writeString(c, """
                [Interface]
                PrivateKey = %s
                Address = 10.7.0.2/24
                DNS = 10.7.0.1
                Table = 4321
                FwMark = 0x1234
                %s
                [Peer]
                PublicKey = %s
                AllowedIPs = 0.0.0.0/0
                """.formatted(Key.generatePrivate().toBase64(), extra, Key.generatePrivate().publicKey().toBase64()));
        return c;
    }

    @Test
    void theFileGivesSettingsTableMarkAndTheProviderItsPath() throws Exception {
        Path c = conf("");
        Path p = dir.resolve("p.yaml");
        Files.writeString(p, "tunnel:\n  provider: wireguard\n  config: wg0.conf\n");
        Profile profile = loader().load(p);
        TunnelSection t = profile.tunnel().orElseThrow();
        assertThat(t.settings().addresses()).containsExactly(IpPrefix.parse("10.7.0.2/24"));
        assertThat(t.settings().includedRoutes()).containsExactly(IpPrefix.parse("0.0.0.0/0"));
        assertThat(t.settings().mtu()).isEqualTo(1420);
        assertThat(t.settings().dns().servers()).hasSize(1);
        assertThat(t.table()).hasValue(4321);
        assertThat(t.bypassMark()).hasValue(0x1234);
        assertThat(t.options()).containsEntry("config", c.toAbsolutePath().normalize().toString());
    }

    @Test
    void settingsDnsBesideTheFileReplacesItsDnsWithMatchDomains() throws Exception {
        conf("");
        Path p = dir.resolve("p.yaml");
        Files.writeString(p, """
                tunnel:
                  provider: wireguard
                  config: wg0.conf
                  settings:
                    dns: { servers: [10.7.0.53], match-domains: [corp.example] }
                """);
        TunnelSection t = loader().load(p).tunnel().orElseThrow();
        assertThat(t.settings().dns().servers()).containsExactly(java.net.InetAddress.getByName("10.7.0.53"));
        assertThat(t.settings().dns().matchDomains()).containsExactly("corp.example");
        assertThat(t.settings().addresses()).containsExactly(IpPrefix.parse("10.7.0.2/24")); // the rest from the file
        assertThat(t.table()).hasValue(4321);
    }

    @Test
    void mistakesAreProfileErrorsWithTheWgFilesOwnLines() throws Exception {
        conf("PostUp = echo hi");
        Path p = dir.resolve("p.yaml");
        Files.writeString(p, "tunnel:\n  provider: wireguard\n  config: wg0.conf\n");
        assertThatThrownBy(() -> loader().load(p)).isInstanceOf(ProfileException.class)
                .hasMessageContaining("p.yaml:3: tunnel.config:").hasMessageContaining("wg0.conf:7: PostUp: netext runs no shell commands");

        Files.writeString(p, "tunnel:\n  provider: wireguard\n  config: missing.conf\n");
        assertThatThrownBy(() -> loader().load(p)).hasMessageContaining("missing.conf: cannot be read");

        conf("");
        Files.writeString(p, "tunnel:\n  provider: wireguard\n  config: wg0.conf\n  settings:\n    addresses: [10.0.0.1/24]\n");
        assertThatThrownBy(() -> loader().load(p)).hasMessageContaining("p.yaml:5: tunnel.settings.addresses: the settings come from wg0.conf;"
                + " beside config only settings.dns may be given (it replaces the file's DNS =)");

        Files.writeString(p, "tunnel:\n  provider: pong\n  config: wg0.conf\n");
        assertThatThrownBy(() -> loader().load(p)).hasMessageContaining("tunnel.config: provider 'pong' reads no config file");
    }
}
