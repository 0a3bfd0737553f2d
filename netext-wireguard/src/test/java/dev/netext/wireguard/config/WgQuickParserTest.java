package dev.netext.wireguard.config;

import dev.netext.api.net.IpPrefix;
import dev.netext.wireguard.Key;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class WgQuickParserTest {
    static final Path FILE = Path.of("/etc/wireguard/wg0.conf");
    static final Key PRIV = Key.generatePrivate(), PEER1 = Key.generatePrivate().publicKey(), PEER2 = Key.generatePrivate().publicKey();
    static final Key PSK = Key.generatePreshared();

    static final String FULL = """
            # a road-warrior config as wg-quick takes it
            [Interface]
            PrivateKey = %s
            Address = 10.7.0.2/24, fd00:7::2/64
            Address = 10.8.0.2
            DNS = 10.7.0.1, fd00:7::1, corp.example
            MTU = 1380
            ListenPort = 51821
            Table = 1234
            FwMark = 0x51820
            SaveConfig = false

            [Peer]   # the gateway
            PublicKey = %s
            PresharedKey = %s
            Endpoint = 192.0.2.1:51820
            AllowedIPs = 0.0.0.0/0, ::/0
            PersistentKeepalive = 25

            [peer]
            publickey=%s
            endpoint = [2001:db8::1]:4500
            allowedips = 10.9.0.7/24
            """.formatted(PRIV.toBase64(), PEER1.toBase64(), PSK.toBase64(), PEER2.toBase64());

    @Test
    void readsEveryKeyOfAFullFile() throws Exception {
        WgQuickConfig c = WgQuickParser.parse(FULL, FILE);
        assertThat(c.iface().privateKey()).isEqualTo(PRIV);
        assertThat(c.iface().addresses()).containsExactly(IpPrefix.parse("10.7.0.2/24"), IpPrefix.parse("fd00:7::2/64"), IpPrefix.parse("10.8.0.2/32"));
        assertThat(c.iface().dnsServers()).hasSize(2);
        assertThat(c.iface().dnsSearch()).containsExactly("corp.example");
        assertThat(c.iface().mtu()).isEqualTo(1380);
        assertThat(c.iface().listenPort()).isEqualTo(51821);
        assertThat(c.iface().table().explicit()).hasValue(1234);
        assertThat(c.iface().fwmark()).isEqualTo(0x51820);
        assertThat(c.peers()).hasSize(2);
        WgQuickConfig.PeerConfig p1 = c.peers().get(0), p2 = c.peers().get(1);
        assertThat(p1.publicKey()).isEqualTo(PEER1);
        assertThat(p1.presharedKey()).isEqualTo(PSK);
        assertThat(p1.endpoint()).isEqualTo(new WgQuickConfig.Endpoint("192.0.2.1", 51820));
        assertThat(p1.persistentKeepalive()).isEqualTo(25);
        assertThat(p2.presharedKey()).isNull();
        assertThat(p2.endpoint().toString()).isEqualTo("[2001:db8::1]:4500");
        assertThat(p2.allowedIps()).containsExactly(IpPrefix.parse("10.9.0.0/24")); // host bits masked, as wg does
        assertThat(c.fullTunnel()).isTrue();
        assertThat(c.settings().includedRoutes()).contains(IpPrefix.parse("0.0.0.0/0"), IpPrefix.parse("::/0"), IpPrefix.parse("10.9.0.0/24"));
        assertThat(c.settings().mtu()).isEqualTo(1380);
        assertThat(c.settings().dns().servers()).hasSize(2);
    }

    @Test
    void defaultsAreWgQuicks() throws Exception {
        WgQuickConfig c = WgQuickParser.parse("[Interface]\nPrivateKey=" + PRIV.toBase64() + "\n", FILE);
        assertThat(c.iface().effectiveMtu()).isEqualTo(1420);
        assertThat(c.iface().listenPort()).isZero();
        assertThat(c.iface().table()).isEqualTo(WgQuickConfig.Table.AUTO);
        assertThat(c.peers()).isEmpty();
        WgQuickConfig off = WgQuickParser.parse(FULL.replace("Table = 1234", "Table = off"), FILE);
        assertThat(off.settings().includedRoutes()).isEmpty();
    }

    private static String problems(String text) {
        try {
            WgQuickParser.parse(text, FILE);
        } catch (WgQuickException e) {
            return e.getMessage();
        }
        return fail("expected problems in:\n" + text);
    }

    @Test
    void hooksAreRefusedNamingTheirLine() {
        String text = FULL.replace("SaveConfig = false", "PostUp = iptables -A FORWARD -i %i -j ACCEPT\nPreDown = true");
        String msg = problems(text);
        assertThat(msg).contains("/etc/wireguard/wg0.conf:11: PostUp: netext runs no shell commands")
                .contains("/etc/wireguard/wg0.conf:12: PreDown: netext runs no shell commands");
    }

    @Test
    void everyProblemIsReportedAsFileLineKeyReason() {
        String text = """
                [Interface]
                PrivateKey = not-base64!
                Address = 10.7.0.300/24
                MTU = 9
                ListenPort = 70000
                Table = main
                FwMark = 0xzz
                Endpoint = 1.2.3.4:5
                Colour = blue
                [Peer]
                PublicKey = %s
                Endpoint = nohost
                AllowedIPs = 10.0.0.0/33
                PersistentKeepalive = -1
                [Peer]
                Endpoint = 1.2.3.4:1
                [Wat]
                SaveConfig = true
                """.formatted(PEER1.toBase64());
        String msg = problems(text);
        assertThat(msg.lines()).allMatch(l -> l.startsWith("/etc/wireguard/wg0.conf"));
        assertThat(msg).contains("wg0.conf:2: PrivateKey: not a WireGuard key")
                .contains("wg0.conf:3: Address: '10.7.0.300/24' is not an address")
                .contains("wg0.conf:4: MTU: '9' is not an MTU")
                .contains("wg0.conf:5: ListenPort: '70000' is not a UDP port")
                .contains("wg0.conf:6: Table: 'main': netext takes auto, off or a table number")
                .contains("wg0.conf:7: FwMark: '0xzz' is not a 32-bit mark")
                .contains("wg0.conf:8: Endpoint: belongs in a [Peer] section")
                .contains("wg0.conf:9: Colour: unknown key in [Interface]")
                .contains("wg0.conf:12: Endpoint: 'nohost' is not host:port")
                .contains("wg0.conf:13: AllowedIPs: '10.0.0.0/33'")
                .contains("wg0.conf:14: PersistentKeepalive: '-1'")
                .contains("wg0.conf:15: PublicKey: missing from this [Peer]")
                .contains("wg0.conf:17: [Wat]: unknown section")
                .doesNotContain("PrivateKey: missing"); // it is there, just not a key: line 2 says so
    }

    /** Issue 11, defect 7: a bad key is one precise error (line, key, why), not also "missing". */
    @Test
    void aBadKeyIsOneErrorNotAlsoMissing() {
        String msg = problems("[Interface]\nPrivateKey = abc\n[Peer]\nPublicKey = " + PEER1.toBase64().substring(4)
                + "\nAllowedIPs = 10.0.0.0/8\n[Peer]\nPublicKey =\n");
        assertThat(msg.lines()).containsExactly(
                FILE + ":2: PrivateKey: not a WireGuard key (key decodes to 2 bytes, not 32); keys are 44 characters of base64 as 'wg genkey' prints them",
                FILE + ":4: PublicKey: not a WireGuard key (key decodes to 29 bytes, not 32); keys are 44 characters of base64 as 'wg genkey' prints them",
                FILE + ":7: PublicKey: has no value");
        assertThat(problems("[Interface]\nAddress = 10.0.0.2/24\n")).isEqualTo(FILE + ":1: PrivateKey: missing from [Interface] (make one with 'netext wg genkey')");
    }

    @Test
    void structuralMistakes() {
        assertThat(problems("")).contains("[Interface]: missing");
        assertThat(problems("PrivateKey = x\n")).contains(":1: PrivateKey: comes before any [Interface]");
        assertThat(problems("[Interface]\nPrivateKey=" + PRIV.toBase64() + "\n[Interface]\n")).contains(":3: [Interface]: a second [Interface]");
        assertThat(problems("[Interface]\nPrivateKey=" + PRIV.toBase64() + "\nListenPort=1\nListenPort=2\n")).contains(":4: ListenPort: given twice");
        assertThat(problems("[Interface]\nPrivateKey=" + PRIV.toBase64() + "\n[Peer]\nPublicKey=" + PRIV.publicKey().toBase64() + "\n"))
                .contains(":3: PublicKey: is the interface's own public key");
        assertThat(problems("[Interface]\nPrivateKey=" + PRIV.toBase64() + "\n[Peer]\nPublicKey=" + PEER1.toBase64()
                + "\n[Peer]\nPublicKey=" + PEER1.toBase64() + "\n")).contains(":5: PublicKey: a second [Peer] with the same public key");
        assertThat(problems("[Interface]\nPrivateKey=" + PRIV.toBase64() + "\njust words\n")).contains(":3: just words: expected 'Key = Value'");
    }

    @Test
    void fileErrors() throws Exception {
        Path missing = Path.of("/nonexistent/wg9.conf");
        assertThatThrownBy(() -> WgQuickParser.parse(missing)).isInstanceOf(WgQuickException.class)
                .hasMessageStartingWith("/nonexistent/wg9.conf: cannot be read");
        Path bin = Files.createTempFile("wg", ".conf");
        try {
            Files.write(bin, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
            assertThatThrownBy(() -> WgQuickParser.parse(bin)).hasMessageContaining("is not UTF-8 text");
        } finally {
            Files.delete(bin);
        }
    }

    /** Seeded mutations of a valid file and random text: a config or a WgQuickException, nothing else, ever. */
    @Test
    void fuzzedFilesGiveAConfigOrProblemsNeverACrash() {
        Random r = new Random(0x5eed_f00dL);
        String alphabet = "[]=#,:/. \n\tabcdefPpIiKkeyAaLlowed0123456789+-xX";
        int parsed = 0, refused = 0;
        for (int i = 0; i < 5000; i++) {
            StringBuilder sb = new StringBuilder(FULL);
            int edits = 1 + r.nextInt(6);
            for (int e = 0; e < edits && !sb.isEmpty(); e++) {
                int at = r.nextInt(sb.length());
                switch (r.nextInt(4)) {
                    case 0 -> sb.deleteCharAt(at);
                    case 1 -> sb.insert(at, alphabet.charAt(r.nextInt(alphabet.length())));
                    case 2 -> sb.setCharAt(at, (char) r.nextInt(0x250));
                    default -> sb.delete(at, Math.min(sb.length(), at + r.nextInt(40)));
                }
            }
            String text = i % 10 == 0 ? randomText(r, alphabet) : sb.toString();
            try {
                WgQuickParser.parse(text, FILE);
                parsed++;
            } catch (WgQuickException ex) {
                assertThat(ex.problems()).isNotEmpty();
                refused++;
            } catch (RuntimeException ex) {
                throw new AssertionError("crash on input:\n" + text, ex);
            }
        }
        assertThat(parsed).isPositive();
        assertThat(refused).isPositive();
    }

    private static String randomText(Random r, String alphabet) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(300);
        for (int i = 0; i < n; i++) sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return sb.toString();
    }

    @Test
    void smallCorpusOfRealWorldShapes() throws Exception {
        for (String text : List.of(
                "[Interface]\r\nPrivateKey = " + PRIV.toBase64() + "\r\nAddress = 10.0.0.2/32\r\n", // CRLF
                "\uFEFF[Interface]\nPrivateKey = " + PRIV.toBase64() + "\n",                      // BOM
                "[Interface]\nPrivateKey = " + PRIV.toBase64() + " # trailing comment\nPersistentKeepalive = off\n".replace("PersistentKeepalive = off\n", ""),
                "[Interface]\nPrivateKey = " + PRIV.toBase64() + "\n[Peer]\nPublicKey = " + PEER1.toBase64() + "\nAllowedIPs =\nPersistentKeepalive = off\n")) {
            assertThat(WgQuickParser.parse(text, FILE).iface().privateKey()).isEqualTo(PRIV);
        }
    }
}
