package dev.netext.daemon.plugin;

import dev.netext.daemon.profile.ProfileError;

import java.nio.file.Path;

/** A provider reference that cannot be used; {@link #reason()} is phrased to follow {@code tunnel.provider: }. */
public final class ProviderResolutionException extends Exception {

    private final String reason;

    public ProviderResolutionException(String reason) {
        this(reason, null);
    }

    public ProviderResolutionException(String reason, Throwable cause) {
        super(reason, cause);
        this.reason = reason;
    }

    public String reason() { return reason; }

    /** As a profile error at the line of the {@code provider} key. */
    public ProfileError toError(Path profileFile, int line) {
        return new ProfileError(profileFile, line, "tunnel.provider", reason);
    }
}
