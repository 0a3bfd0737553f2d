package dev.netext.cli.importer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code netext import wg0.conf}: a profile whose tunnel runs the wg-quick file where it is (by absolute path, so the
 * file stays the one place its private key lives), on the interface its name gives, as {@code wg-quick up} would.
 */
public final class WgQuickImporter {
    public ImportedProfile convert(Path conf) {
        Path abs = conf.toAbsolutePath().normalize();
        String file = abs.getFileName().toString();
        String stem = file.endsWith(".conf") ? file.substring(0, file.length() - 5) : file;
        String name = MobileconfigImporter.profileName(stem, "wireguard");
        boolean ifnameOk = stem.matches("[A-Za-z0-9_=+.-]{1,15}");
        StringBuilder y = new StringBuilder();
        y.append(Yaml.comment("Imported by 'netext import' from the wg-quick file " + abs + "."));
        y.append("name: ").append(Yaml.quote(name)).append('\n');
        y.append("tunnel:\n  provider: wireguard\n");
        if (ifnameOk) y.append("  interface: ").append(Yaml.quote(stem)).append('\n');
        y.append("  config: ").append(Yaml.quote(abs.toString())).append('\n');
        List<String> notes = ifnameOk ? List.of() : List.of("'" + stem + "' is not an interface name; the tunnel gets the first free netextN");
        return new ImportedProfile(name, y.toString(), Map.of(), notes);
    }
}
