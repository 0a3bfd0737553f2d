package dev.netext.cli;

import dev.netext.api.net.IpPrefix;
import dev.netext.cli.importer.ImportedProfile;
import dev.netext.cli.importer.MobileconfigImporter;
import dev.netext.cli.importer.Plist;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.ProfileLoader;
import dev.netext.daemon.profile.TunnelSection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code netext import} on hand-written sample profiles (src/test/resources/mobileconfig, see its README): each result
 * is loaded by the daemon's profile loader and checked section by section.
 */
class ImportCommandTest {
    @TempDir
    Path dir;

    private static Path sample(String name) throws Exception {
        return Path.of(ImportCommandTest.class.getResource("/mobileconfig/" + name).toURI());
    }

    private Profile load(Path p) throws Exception {
        return new ProfileLoader(null, ProvidersAccess.importers()).load(p);
    }

    /** A DoH payload becomes split DNS: the URL's name checked on a connection to each of ServerAddresses. */
    @Test
    void dohWithMatchDomainsTranslatesToSplitDns() throws Exception {
        ImportedProfile p = importer(sample("dns-doh.mobileconfig"));
        assertThat(p.name()).isEqualTo("Corp-DNS");
        assertThat(p.yaml()).contains("name: \"Corp-DNS\"\ndns:\n  listen: [127.0.0.1:53]\n  servers:\n")
                .contains("https://doh.corp.example@192.0.2.53/dns-query")
                .contains("  rules:\n    - { domains: [\"corp.example\", \"internal.example\"], server: imported }\n  default: system\n")
                .contains("# note: the OnDemandRules of com.apple.dnsSettings.managed 'Corporate DoH' were not imported");
        assertThat(p.files()).isEmpty();
        Path out = dir.resolve("corp.yaml");
        assertThat(Main.run("import", sample("dns-doh.mobileconfig").toString(), "-o", out.toString())).isZero();
        Profile loaded = load(out);
        assertThat(loaded.dns()).isPresent();
        assertThat(loaded.dns().orElseThrow().rules()).extracting(r -> r.domain()).containsExactly("corp.example", "internal.example");
    }

    @Test
    void dotWithoutMatchDomainsAnswersEveryName() throws Exception {
        ImportedProfile p = importer(sample("dns-dot.mobileconfig"));
        assertThat(p.name()).isEqualTo("Encrypted-DNS-DoT");
        assertThat(p.yaml()).contains("    imported: [\"tls://dot.example@192.0.2.9\", \"tls://dot.example@[2001:db8::9]\"]\n  default: imported\n")
                .doesNotContain("rules:");
        Profile loaded = new ProfileLoader(null, ProvidersAccess.importers()).parse(p.yaml(), dir.resolve("dot.yaml"));
        assertThat(loaded.dns().orElseThrow().defaultGroup()).isEqualTo("imported");
    }

    private ImportedProfile importer(Path file) throws Exception {
        return new MobileconfigImporter().convert(Plist.parse(Files.readAllBytes(file)), "x", dir);
    }

    @Test
    void wireGuardPayloadBecomesATunnelAndIkev2IsNamedAsUnsupported() throws Exception {
        Path out = dir.resolve("vpn.yaml");
        assertThat(Main.run("import", sample("vpn-mixed.mobileconfig").toString(), "-o", out.toString())).isZero();
        Profile p = load(out);
        assertThat(p.name()).isEqualTo("Home-Office-VPN");
        TunnelSection t = p.tunnel().orElseThrow();
        assertThat(t.provider()).isEqualTo("wireguard");
        assertThat(t.settings().addresses()).containsExactly(IpPrefix.parse("10.77.0.2/24"));
        Path conf = dir.resolve("Home-Office-VPN.conf");
        assertThat(Files.readString(conf)).startsWith("[Interface]\nPrivateKey = ");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(conf))).isEqualTo("rw-------");
        String yaml = Files.readString(out);
        assertThat(yaml).contains("config: \"" + conf + "\"")
                .contains("# note: skipped com.apple.vpn.managed 'Office IKEv2': VPNType IKEv2 is not supported by netext")
                .contains("# note: skipped com.apple.wifi.managed: no netext equivalent");

        // a second import does not overwrite the private key file
        assertThat(Main.run("import", sample("vpn-mixed.mobileconfig").toString(), "-o", dir.resolve("again.yaml").toString())).isEqualTo(1);
        assertThat(Files.exists(dir.resolve("again.yaml"))).isFalse();
    }

    @Test
    void nothingImportableIsAClearError() throws Exception {
        Path out = dir.resolve("x.yaml");
        assertThat(Main.run("import", sample("ikev2-only.mobileconfig").toString(), "-o", out.toString())).isEqualTo(1);
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void wgQuickFileBecomesAProfileReferencingIt() throws Exception {
        Path conf = dir.resolve("wg7.conf");
        Files.writeString(conf, """
                [Interface]
                PrivateKey = %s
                Address = 10.78.0.2/24

                [Peer]
                PublicKey = %s
                AllowedIPs = 10.78.0.0/24
                """.formatted(dev.netext.wireguard.Key.generatePrivate().toBase64(),
                dev.netext.wireguard.Key.generatePrivate().publicKey().toBase64()));
        Path out = dir.resolve("wg7.yaml");
        assertThat(Main.run("import", conf.toString(), "-o", out.toString())).isZero();
        Profile p = load(out);
        assertThat(p.name()).isEqualTo("wg7");
        assertThat(p.tunnel().orElseThrow().interfaceName()).isEqualTo("wg7");
        assertThat(p.tunnel().orElseThrow().settings().addresses()).containsExactly(IpPrefix.parse("10.78.0.2/24"));
        assertThat(Files.readString(out)).contains("config: \"" + conf.toAbsolutePath() + "\"");
    }

    @Test
    void externalEntitiesAreNeverRead() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "TOPSECRET");
        Path evil = Files.writeString(dir.resolve("evil.mobileconfig"), """
                <?xml version="1.0"?>
                <!DOCTYPE plist [ <!ENTITY x SYSTEM "file://%s"> ]>
                <plist version="1.0"><dict>
                  <key>PayloadType</key><string>Configuration</string>
                  <key>PayloadDisplayName</key><string>&x;</string>
                  <key>PayloadContent</key><array><dict>
                    <key>PayloadType</key><string>com.apple.dnsSettings.managed</string>
                    <key>DNSSettings</key><dict><key>DNSProtocol</key><string>HTTPS</string>
                      <key>ServerURL</key><string>https://doh.example/dns-query</string></dict>
                  </dict></array>
                </dict></plist>
                """.formatted(secret));
        Path out = dir.resolve("evil.yaml");
        int rc = Main.run("import", evil.toString(), "-o", out.toString());
        if (rc == 0) assertThat(Files.readString(out)).doesNotContain("TOPSECRET");
        else assertThat(Files.exists(out)).isFalse();
    }
}
