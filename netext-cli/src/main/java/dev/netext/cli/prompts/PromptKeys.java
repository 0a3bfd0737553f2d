package dev.netext.cli.prompts;

import java.util.List;

/**
 * The keys of {@code netext prompts}: one key per answer, allow and deny side by side; the answer names are the
 * daemon's ({@code PromptAnswer}'s wire names), so a key means exactly what the dashboard's button of that name does.
 * <pre>
 *   allow:  a once   A always   h for an hour   r until restart
 *   deny:   d once   D always   H for an hour   R until restart
 *   n (or space) next waiting prompt   q quit
 * </pre>
 */
public final class PromptKeys {
    /** A key, the answer it sends, and how the legend names it. */
    public record Key(char key, String answer, String label) {}

    public static final List<Key> ALLOW = List.of(
            new Key('a', "allow-once", "once"), new Key('A', "allow-always", "always"),
            new Key('h', "allow-hour", "for an hour"), new Key('r', "allow-until-restart", "until restart"));
    public static final List<Key> DENY = List.of(
            new Key('d', "deny", "once"), new Key('D', "deny-always", "always"),
            new Key('H', "deny-hour", "for an hour"), new Key('R', "deny-until-restart", "until restart"));
    public static final char NEXT = 'n', QUIT = 'q';

    private PromptKeys() {}

    /** The answer {@code key} sends, or null. */
    public static Key answerFor(int key) {
        for (List<Key> row : List.of(ALLOW, DENY)) for (Key k : row) if (k.key() == key) return k;
        return null;
    }

    /** {@code allow once}, {@code deny always}, … for the status line. */
    public static String describe(Key k) {
        return (k.answer().startsWith("allow") ? "allow " : "deny ") + k.label();
    }
}
