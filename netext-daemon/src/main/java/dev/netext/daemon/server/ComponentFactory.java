package dev.netext.daemon.server;

import dev.netext.daemon.profile.Profile;

import java.util.Optional;

/** Makes the component for one section of a profile; one factory per section kind. */
@FunctionalInterface
public interface ComponentFactory {

    /** The component for {@code profile}'s section, or empty when the profile has no such section. */
    Optional<ProfileComponent> create(Profile profile, DaemonServices services);
}
