package dev.netext.daemon.profile;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a daemon's whole profile set — every {@code *.yaml} / {@code *.yml} in the profiles directory plus the files
 * named one by one — and validates it as a whole before anything is applied: each file with {@link ProfileLoader},
 * then across files. A set with any problem is refused entirely ({@link ProfileException} listing every problem
 * of every file), so a reload never applies half a change.
 *
 * <p>Cross-profile checks: two profiles with the same name; two tunnels asking for the same interface; on-demand
 * rules in a profile with nothing they could start.
 */
public final class ProfileSetLoader {
    private final ProfileLoader loader;

    public ProfileSetLoader(ProfileLoader loader) {
        this.loader = loader;
    }

    /**
     * @param directory the profiles directory (may be null or missing: no profiles from it); hidden files and
     *                  editors' backups ({@code .x.yaml}, {@code x.yaml~}) are skipped
     * @param files     extra profile files
     */
    public ProfileSet load(Path directory, List<Path> files) throws ProfileException {
        List<ProfileError> errors = new ArrayList<>();
        Set<Path> paths = new LinkedHashSet<>();
        if (directory != null && Files.isDirectory(directory)) {
            List<Path> found = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, "*.{yaml,yml}")) {
                for (Path p : ds) if (!p.getFileName().toString().startsWith(".") && Files.isRegularFile(p)) found.add(p);
            } catch (IOException e) {
                errors.add(new ProfileError(directory, 0, "", "cannot be listed: " + e.getMessage()));
            }
            found.sort(null);
            paths.addAll(found);
        } else if (directory != null && Files.exists(directory)) {
            errors.add(new ProfileError(directory, 0, "", "is not a directory"));
        }
        for (Path f : files) paths.add(f);

        List<Profile> profiles = new ArrayList<>();
        for (Path p : paths) {
            try {
                profiles.add(loader.load(p));
            } catch (ProfileException e) {
                errors.addAll(e.errors());
            }
        }
        errors.addAll(crossChecks(profiles));
        if (!errors.isEmpty()) throw new ProfileException(ProfileException.sorted(errors));
        Map<String, Profile> byName = new TreeMap<>();
        for (Profile p : profiles) byName.put(p.name(), p);
        return new ProfileSet(byName);
    }

    static List<ProfileError> crossChecks(List<Profile> profiles) {
        List<ProfileError> errors = new ArrayList<>();
        Map<String, Profile> names = new HashMap<>();
        Map<String, Profile> interfaces = new HashMap<>();
        for (Profile p : profiles) {
            Profile other = names.putIfAbsent(p.name(), p);
            if (other != null) {
                errors.add(new ProfileError(p.source(), keyLine(p.source(), "name"), "name",
                        "profile name '" + p.name() + "' is also used by " + other.source()
                                + (keyLine(p.source(), "name") == 0 ? " (the name comes from the file name; add a 'name:' key)" : "")));
            }
            p.tunnel().ifPresent(t -> {
                if (t.interfaceName() == null) return;
                Profile holder = interfaces.putIfAbsent(t.interfaceName(), p);
                if (holder != null) {
                    errors.add(new ProfileError(p.source(), keyLine(p.source(), "tunnel", "interface"), "tunnel.interface",
                            "interface '" + t.interfaceName() + "' is already asked for by profile '" + holder.name()
                                    + "' (" + holder.source() + "); two tunnels cannot share a device"));
                }
            });
            if (!p.onDemand().isEmpty() && p.tunnel().isEmpty()) {
                errors.add(new ProfileError(p.source(), keyLine(p.source(), "on-demand"), "on-demand",
                        "on-demand rules start and stop a tunnel, but this profile has no tunnel section"));
            }
        }
        return errors;
    }

    /** The line of the key at {@code path} in {@code file}, or 0 when it cannot be found (the file has been checked). */
    private static int keyLine(Path file, String... path) {
        try {
            Checks quiet = new Checks(file);
            YamlNode node = new YamlTreeReader(quiet).read(Files.readString(file));
            int line = 0;
            for (String key : path) {
                if (!(node instanceof YamlNode.MapNode m) || !m.entries().containsKey(key)) return 0;
                YamlNode.Entry e = m.entries().get(key);
                line = e.keyLine();
                node = e.value();
            }
            return line;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
