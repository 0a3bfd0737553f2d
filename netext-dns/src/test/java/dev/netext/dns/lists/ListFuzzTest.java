package dev.netext.dns.lists;

import dev.netext.dns.wire.Names;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random text and mutations of a small corpus of list lines through the list parser: nothing may throw, the
 * report must add up, and every name the parser accepted must then be found, in text and in wire form.
 */
class ListFuzzTest {
    static final List<String> CORPUS = List.of("0.0.0.0 ads.example", "127.0.0.1 localhost", "||ads.example^",
            "||x.example^$important", "@@||ok.example^", "a.example##.b", "*.w.example", "192.0.2.0/24", "2001:db8::/32",
            "::1 ip6-localhost", "# comment", "! adblock comment", "[Adblock Plus 2.0]", "x.example # note", "   ",
            "0.0.0.0 a.example b.example c.example", "1.2.3.4", "host_with_underscore.example", "a..b", ".a.b", "é.example");
    static final String ALPHABET = "abcxyz019.-_|^$#!@*/: \t[]\u00e9\u0000";

    @Test
    void parserNeverThrowsAndAcceptedNamesAreFound() {
        Random rnd = new Random(0x1157ED);
        for (int round = 0; round < 3_000; round++) {
            StringBuilder text = new StringBuilder();
            int lines = 1 + rnd.nextInt(12);
            for (int i = 0; i < lines; i++) {
                String line = CORPUS.get(rnd.nextInt(CORPUS.size()));
                StringBuilder m = new StringBuilder(line);
                int edits = rnd.nextInt(4);
                for (int e = 0; e < edits; e++) {
                    int at = m.isEmpty() ? 0 : rnd.nextInt(m.length() + 1);
                    char c = ALPHABET.charAt(rnd.nextInt(ALPHABET.length()));
                    switch (rnd.nextInt(3)) {
                        case 0 -> m.insert(at, c);
                        case 1 -> { if (at < m.length()) m.setCharAt(at, c); }
                        default -> { if (at < m.length()) m.deleteCharAt(at); }
                    }
                }
                if (rnd.nextInt(10) == 0) for (int k = rnd.nextInt(300); k > 0; k--) m.append((char) ('a' + rnd.nextInt(26)));
                text.append(m).append(rnd.nextBoolean() ? "\n" : "\r\n");
            }
            BlockList l = BlockList.parse("fuzz", text.toString());
            ListReport r = l.report();
            assertThat(r.lines()).isEqualTo(text.toString().lines().count());
            assertThat(r.comments() + r.skipped() + r.junk()).isLessThanOrEqualTo(r.lines());
            assertThat(r.firstJunk().length).isEqualTo((int) Math.min(r.junk(), ListReport.MAX_REPORTED));
            for (int j : r.firstJunk()) assertThat(j).isBetween(1, (int) r.lines());
            for (String line : text.toString().lines().toList()) {
                try (DomainSet.Builder one = new DomainSet.Builder()) {
                    if (ListParser.line(line, one, new AddressSet.Builder()) != ListParser.Kind.ENTRY || one.size() == 0) continue;
                }
                String name = acceptedName(line);
                if (name == null) continue;
                assertThat(l.containsName(name)).as(line).isTrue();
                byte[] w = Names.encode(name.toLowerCase());
                assertThat(l.names().containsWire(w, 0, w.length)).as(line).isTrue();
            }
        }
    }

    @Test
    void wireLookupsOfRandomBytesNeverThrow() {
        BlockList l = BlockList.parse("w", "a.example\n0.0.0.0 b.example\n||c.example^\n");
        Random rnd = new Random(0xB10C);
        for (int i = 0; i < 200_000; i++) {
            byte[] m = new byte[rnd.nextInt(40)];
            rnd.nextBytes(m);
            if (rnd.nextBoolean() && m.length > 0) m[rnd.nextInt(m.length)] = 0;
            int start = m.length == 0 ? 0 : rnd.nextInt(m.length);
            l.names().containsWire(m, start, start + rnd.nextInt(m.length - start + 1));
        }
        byte[] w = Names.encode("x.a.example");
        assertThat(l.names().containsWire(w, 0, w.length)).isTrue();
    }

    /** The first name of an accepted single-name line, read back the simple way. */
    private static String acceptedName(String line) {
        String s = line.strip();
        int hash = s.indexOf(" #");
        if (hash >= 0) s = s.substring(0, hash).strip();
        if (s.startsWith("||")) return s.substring(2, s.indexOf('^'));
        String[] t = s.split("\\s+");
        String n = t.length == 1 ? t[0] : t[1];
        if (n.startsWith("*.")) n = n.substring(2);
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        return ListParser.isDomain(n) ? n : null;
    }
}
