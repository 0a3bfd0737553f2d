package dev.netext.daemon.profile;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a daemon's whole profile set — every {@code *.yaml} / {@code *.yml} in the profiles directory plus the files
 * named one by one — and validates it as a whole before anything is applied: each file with {@link ProfileLoader},
 * then across files. Two ways to use the result:
 * <ul>
 *   <li>{@link #load} (reload): a set with any problem is refused entirely ({@link ProfileException} listing every
 *       problem of every file), so a reload never applies half a change;</li>
 *   <li>{@link #loadSkippingBroken} (daemon start): the valid profiles, and each broken file with its errors, so one
 *       typo does not leave a rebooted host without every other tunnel and filter — unless a broken file is marked
 *       {@code required: true}, which refuses the whole set as {@link #load} does.</li>
 * </ul>
 *
 * <p>Cross-profile checks: two profiles with the same name; two tunnels asking for the same interface; on-demand
 * rules in a profile with nothing they could start. Their errors belong to the later file (file-name order), which
 * is the one left out.
 */
public final class ProfileSetLoader {
    private final ProfileLoader loader;

    public ProfileSetLoader(ProfileLoader loader) {
        this.loader = loader;
    }

    /**
     * A profile file that could not be used.
     *
     * @param file     the file (the profiles directory itself when it cannot be listed)
     * @param required whether the file asks to be required ({@link ProfileLoader#declaresRequired})
     * @param errors   every problem found in it, in line order
     */
    public record BrokenProfile(Path file, boolean required, List<ProfileError> errors) {
        public BrokenProfile {
            errors = List.copyOf(errors);
        }
    }

    /** The profiles that can run, and the files that cannot (none of them required). */
    public record Partial(ProfileSet set, List<BrokenProfile> broken) {
        public Partial {
            broken = List.copyOf(broken);
        }
    }

    /**
     * @param directory the profiles directory (may be null or missing: no profiles from it); hidden files and
     *                  editors' backups ({@code .x.yaml}, {@code x.yaml~}) are skipped
     * @param files     extra profile files
     * @throws ProfileException with every problem of every file when any file has one
     */
    public ProfileSet load(Path directory, List<Path> files) throws ProfileException {
        Loaded l = loadAll(directory, files);
        if (!l.errors().isEmpty()) throw new ProfileException(ProfileException.sorted(l.errors()));
        return l.valid();
    }

    /**
     * Like {@link #load}, but a broken file is left out and reported instead of refusing the set.
     *
     * @throws ProfileException with every problem of every file when a broken file is {@code required}
     */
    public Partial loadSkippingBroken(Path directory, List<Path> files) throws ProfileException {
        Loaded l = loadAll(directory, files);
        Map<Path, List<ProfileError>> byFile = new TreeMap<>();
        for (ProfileError e : ProfileException.sorted(l.errors())) byFile.computeIfAbsent(e.file(), _ -> new ArrayList<>()).add(e);
        List<BrokenProfile> broken = new ArrayList<>();
        for (var e : byFile.entrySet()) {
            broken.add(new BrokenProfile(e.getKey(), !e.getKey().equals(directory) && ProfileLoader.declaresRequired(e.getKey()),
                    e.getValue()));
        }
        if (broken.stream().anyMatch(BrokenProfile::required)) throw new ProfileException(ProfileException.sorted(l.errors()));
        return new Partial(l.valid(), broken);
    }

    /** Every problem found, and the profiles of the files without one. */
    private record Loaded(List<ProfileError> errors, ProfileSet valid) {}

    private Loaded loadAll(Path directory, List<Path> files) {
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
        Set<Path> broken = new HashSet<>();
        for (ProfileError e : errors) broken.add(e.file());
        Map<String, Profile> byName = new TreeMap<>();
        for (Profile p : profiles) if (!broken.contains(p.source())) byName.put(p.name(), p);
        return new Loaded(errors, new ProfileSet(byName));
    }

    static List<ProfileError> crossChecks(List<Profile> profiles) {
        List<ProfileError> errors = new ArrayList<>();
        Map<String, Profile> names = new HashMap<>();
        Map<String, Profile> interfaces = new HashMap<>();
        Profile guarded = null; // the profile with include-all-networks
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
            if (p.tunnel().map(t -> t.killSwitch().includeAllNetworks()).orElse(false)) {
                if (guarded == null) {
                    guarded = p;
                } else {
                    errors.add(new ProfileError(p.source(), keyLine(p.source(), "tunnel", "include-all-networks"),
                            "tunnel.include-all-networks", "profile '" + guarded.name() + "' (" + guarded.source()
                                    + ") has the kill switch already; a host has one (a second would drop the first"
                                    + " tunnel's packets)"));
                }
            }
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
