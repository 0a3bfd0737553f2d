package dev.netext.daemon.profile;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Every profile a daemon runs, validated together ({@link ProfileSetLoader}): names are unique and no two profiles
 * claim the same kernel object. Ordered by name.
 */
public record ProfileSet(Map<String, Profile> profiles) {

    public static final ProfileSet EMPTY = new ProfileSet(Map.of());

    public ProfileSet {
        profiles = Collections.unmodifiableMap(new LinkedHashMap<>(profiles));
    }

    public Optional<Profile> get(String name) { return Optional.ofNullable(profiles.get(name)); }
}
