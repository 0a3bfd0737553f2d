package dev.netext.cli.importer;

import java.util.List;
import java.util.Map;

/**
 * What an import produced: the profile's YAML, the files it references (written by the caller next to the profile,
 * mode 0600: a wg-quick file holds a private key), and notes on what could not be carried over.
 *
 * @param name  the profile's name
 * @param yaml  the profile, with the notes as comments at the top
 * @param files absolute path → content, to write (mode 0600) before the profile is loaded
 * @param notes one sentence each
 */
public record ImportedProfile(String name, String yaml, Map<String, String> files, List<String> notes) {
    public ImportedProfile {
        files = Map.copyOf(files);
        notes = List.copyOf(notes);
    }
}
