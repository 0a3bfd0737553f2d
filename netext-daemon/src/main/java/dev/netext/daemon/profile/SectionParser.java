package dev.netext.daemon.profile;

/**
 * Parses and validates one section of a profile (a top-level key such as {@code tunnel}, or a nested one such as
 * {@code tunnel.settings.dns}). Adding a section to profiles means one class implementing this, one line in
 * {@link ProfileLoader}'s section table and one component in {@link Profile}.
 *
 * <p>Implementations report every problem through {@link Checks} (never throw for bad input) and return null when
 * they found any, so the loader can collect the problems of all sections before failing.
 *
 * @param <T> the immutable model of the section
 */
public interface SectionParser<T> {

    /** The section's key in its parent mapping. */
    String key();

    /**
     * @param node   the section's value, never null (may be an empty scalar when the user wrote {@code key:})
     * @param path   the section's key path, for messages ({@code tunnel.settings.dns})
     * @param checks where to report problems
     * @return the model, or null when a problem was reported
     */
    T parse(YamlNode node, String path, Checks checks);
}
