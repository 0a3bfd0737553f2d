package dev.netext.cli.importer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The plist reader and the importer on bad input: seeded random bytes and mutations of the sample profiles (byte
 * flips, truncation, spliced tags) plus a small corpus of hostile documents. Only PlistException / ImportException
 * may come out; nothing hangs (entity expansion is capped by secure processing).
 */
class PlistFuzzTest {
    private static final String[] SAMPLES = {"dns-doh.mobileconfig", "dns-dot.mobileconfig", "vpn-mixed.mobileconfig", "ikev2-only.mobileconfig"};
    private static final String[] TAGS = {"<dict>", "</dict>", "<array>", "<key>k</key>", "<integer>x</integer>", "<data>!!</data>",
            "<true/>", "&amp;", "&x;", "<![CDATA[a]]>", "<!-- c -->", "<string>", "</plist>"};

    @Test
    void mutationsAndRandomBytesNeverEscapeAsAnythingButOurExceptions() throws Exception {
        List<byte[]> seeds = new ArrayList<>();
        for (String s : SAMPLES) seeds.add(Files.readAllBytes(Path.of(getClass().getResource("/mobileconfig/" + s).toURI())));
        Random r = new Random(42);
        MobileconfigImporter importer = new MobileconfigImporter();
        for (int i = 0; i < 3000; i++) {
            byte[] d;
            int kind = i % 4;
            if (kind == 0) {
                d = new byte[r.nextInt(200)];
                r.nextBytes(d);
            } else {
                byte[] s = seeds.get(r.nextInt(seeds.size()));
                if (kind == 1) {
                    d = s.clone();
                    for (int k = 0; k < 1 + r.nextInt(8); k++) d[r.nextInt(d.length)] = (byte) r.nextInt();
                } else if (kind == 2) {
                    d = java.util.Arrays.copyOf(s, r.nextInt(s.length));
                } else {
                    String t = new String(s, StandardCharsets.UTF_8);
                    int at = r.nextInt(t.length());
                    d = (t.substring(0, at) + TAGS[r.nextInt(TAGS.length)] + t.substring(at)).getBytes(StandardCharsets.UTF_8);
                }
            }
            try {
                importer.convert(Plist.parse(d), "fuzz", Path.of("/nonexistent"));
            } catch (PlistException | ImportException expected) {
                // the contract
            }
        }
    }

    @Test
    void hostileDocumentsAreRefused() {
        String laughs = "<?xml version=\"1.0\"?><!DOCTYPE plist [<!ENTITY a \"aaaaaaaaaa\">"
                + "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
                + "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
                + "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">]>"
                + "<plist><string>&g;</string></plist>";
        assertThatThrownBy(() -> Plist.parse(laughs.getBytes(StandardCharsets.UTF_8))).isInstanceOf(PlistException.class);
        String deep = "<plist>" + "<array>".repeat(Plist.MAX_DEPTH + 5) + "</array>".repeat(Plist.MAX_DEPTH + 5) + "</plist>";
        assertThatThrownBy(() -> Plist.parse(deep.getBytes(StandardCharsets.UTF_8))).hasMessageContaining("nested deeper");
        assertThatThrownBy(() -> Plist.parse("bplist00xxxxxxxx".getBytes(StandardCharsets.ISO_8859_1))).hasMessageContaining("plutil");
        assertThatThrownBy(() -> Plist.parse(new byte[] {0x30, (byte) 0x82, 1, 2})).hasMessageContaining("signed");
        assertThatThrownBy(() -> Plist.parse("<plist><dict><key>a</key></dict></plist>".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("without a value");
    }

    @Test
    void valuesAreRead() throws Exception {
        Object v = Plist.parse("""
                <plist><dict><key>s</key><string>a&amp;b</string><key>i</key><integer>-7</integer><key>t</key><true/>
                <key>d</key><data>aGk=</data><key>l</key><array><real>1.5</real><false/></array></dict></plist>
                """.getBytes(StandardCharsets.UTF_8));
        assertThat(v).isInstanceOf(java.util.Map.class);
        var m = (java.util.Map<?, ?>) v;
        assertThat(m.get("s")).isEqualTo("a&b");
        assertThat(m.get("i")).isEqualTo(-7L);
        assertThat(m.get("t")).isEqualTo(true);
        assertThat((byte[]) m.get("d")).isEqualTo("hi".getBytes(StandardCharsets.UTF_8));
        assertThat(m.get("l")).isEqualTo(List.of(1.5, false));
    }
}
