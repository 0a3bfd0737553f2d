package dev.netext.daemon.server;

import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.ProfileLoader;
import dev.netext.daemon.profile.ProfileSet;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** Profiles from YAML text, through the real loader. */
final class Profiles {
    private Profiles() {}

    static Profile of(String name, String yaml) throws Exception {
        return new ProfileLoader().parse("name: " + name + "\n" + yaml, Path.of("/etc/netext/profiles.d/" + name + ".yaml"));
    }

    static Profile tunnel(String name, String address, String extra) throws Exception {
        return of(name, """
                tunnel:
                  provider: echo
                  settings:
                    addresses: [%s/24]
                %s""".formatted(address, extra));
    }

    static ProfileSet set(Profile... profiles) {
        Map<String, Profile> m = new TreeMap<>();
        for (Profile p : profiles) m.put(p.name(), p);
        return new ProfileSet(m);
    }
}
