package dev.netext.daemon.profile;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean …?" for misspelt keys and names: Damerau–Levenshtein (optimal string alignment) distance. */
public final class Suggest {

    private Suggest() {}

    /**
     * The candidate closest to {@code word}, if one is close enough to be a plausible typo: the same word in other
     * case or with {@code -}/{@code _} swapped, or within 1 edit (words of up to 4 letters) or 2 edits (longer words).
     */
    public static Optional<String> closest(String word, Collection<String> candidates) {
        String w = normalise(word);
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : candidates) {
            if (normalise(c).equals(w)) return Optional.of(c);
            int d = distance(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestD) { bestD = d; best = c; }
        }
        int limit = Math.min(word.length(), best == null ? 0 : best.length()) <= 4 ? 1 : 2;
        return best != null && bestD <= limit ? Optional.of(best) : Optional.empty();
    }

    /** {@code " (did you mean 'x'?)"} or the empty string. */
    public static String hint(String word, Collection<String> candidates) {
        return closest(word, candidates).map(c -> " (did you mean '" + c + "'?)").orElse("");
    }

    private static String normalise(String s) {
        return s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
    public static int distance(String a, String b) {
        if (a.length() > 64 || b.length() > 64) return Math.max(a.length(), b.length()); // not a typo; stay cheap
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1))
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
        return d[a.length()][b.length()];
    }
}
