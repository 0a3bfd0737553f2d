package dev.netext.daemon.profile;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Seeded random mutations of the contract profile: each must give a Profile or a ProfileException with at least one
 * well-formed error, never another exception, never a hang.
 */
class ProfileLoaderFuzzTest {

    static final long SEED = 0x6e65_7465_7874L;
    static final int ROUNDS = 3000;

    @Test
    void mutatedProfilesGiveAProfileOrAProfileException() throws Exception {
        String valid = Files.readString(ProfileLoaderTest.resource("corp-vpn.yaml"));
        ProfileLoader loader = new ProfileLoader();
        Path file = Path.of("fuzz.yaml");
        Random random = new Random(SEED);
        int[] outcomes = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int round = 0; round < ROUNDS; round++) {
                String text = valid;
                int mutations = 1 + random.nextInt(4);
                for (int m = 0; m < mutations; m++) text = mutate(text, random);
                try {
                    Profile p = loader.parse(text, file);
                    assertThat(p.name()).isNotEmpty();
                    assertThat(p.describe()).isNotEmpty();
                    outcomes[0]++;
                } catch (ProfileException e) {
                    assertThat(e.errors()).isNotEmpty();
                    for (ProfileError err : e.errors()) {
                        assertThat(err.file()).isEqualTo(file);
                        assertThat(err.reason()).isNotBlank().doesNotContain("internal error");
                        assertThat(err.line()).isBetween(0, text.split("\n", -1).length + 1);
                    }
                    outcomes[1]++;
                } catch (Throwable t) {
                    fail("round " + round + ": " + t + " for input:\n" + text, t);
                }
            }
        });
        // the mutations should exercise both outcomes
        assertThat(outcomes[0]).as("valid after mutation").isPositive();
        assertThat(outcomes[1]).as("rejected after mutation").isGreaterThan(ROUNDS / 4);
    }

    static final String NASTY = ":{}[],&*#?|-<>=!%@`'\"\n\t /\\0123456789abcdef.";
    static final String[] SNIPPETS = {"*a", "&a ", "!!binary ", "? ", "---\n", "~", "null", "- ", "{", "}", "\"", "|\n", ">\n"};

    static String mutate(String text, Random r) {
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        int i = r.nextInt(Math.max(1, text.length()));
        int li = r.nextInt(lines.size());
        return switch (r.nextInt(8)) {
            case 0 -> text.isEmpty() ? text : text.substring(0, i) + text.substring(Math.min(text.length(), i + 1 + r.nextInt(3)));
            case 1 -> text.isEmpty() ? text : text.substring(0, i) + text.charAt(i) + text.substring(i);
            case 2 -> text.substring(0, i) + NASTY.charAt(r.nextInt(NASTY.length())) + text.substring(i);
            case 3 -> { lines.remove(li); yield String.join("\n", lines); }
            case 4 -> { lines.add(li, lines.get(li)); yield String.join("\n", lines); }
            case 5 -> { // swap two lines
                int lj = r.nextInt(lines.size());
                String t = lines.get(li);
                lines.set(li, lines.get(lj));
                lines.set(lj, t);
                yield String.join("\n", lines);
            }
            case 6 -> r.nextBoolean()
                    ? text.substring(0, i) + SNIPPETS[r.nextInt(SNIPPETS.length)] + text.substring(i)
                    : String.join("\n", lines.subList(0, li)) + "\n  " + String.join("\n", lines.subList(li, lines.size())); // indent
            default -> { // replace a digit run, sometimes with a huge number
                String repl = r.nextBoolean() ? String.valueOf(r.nextInt(70000)) : "9".repeat(1 + r.nextInt(40));
                yield text.replaceFirst("\\d+", repl);
            }
        };
    }

    @Test
    void hostileDocumentsAreRejectedQuickly() {
        ProfileLoader loader = new ProfileLoader();
        Path file = Path.of("evil.yaml");
        String laughs = """
                a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
                b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
                c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
                d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
                e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
                tunnel: { provider: echo, options: { x: *e } }
                """;
        List<String> inputs = List.of(laughs, "[".repeat(10_000), "a: ".repeat(5_000), "{a: ".repeat(2_000),
                "tunnel: !!binary aGVsbG8=", "? [a, b]\n: c\n", "tunnel: { provider: *undefined }", "\u0000\u0001",
                "tunnel:\n\tprovider: echo\n");
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (String in : inputs) {
                try {
                    loader.parse(in, file);
                } catch (ProfileException expected) {
                    assertThat(expected.errors()).isNotEmpty();
                    assertThat(expected.getMessage()).doesNotContain("internal error");
                }
            }
        });
    }
}
