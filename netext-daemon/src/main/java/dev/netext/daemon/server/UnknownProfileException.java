package dev.netext.daemon.server;

import java.util.Collection;

/** {@code netext up/down NAME} for a name the daemon has no profile of. */
public final class UnknownProfileException extends Exception {
    public UnknownProfileException(String name, Collection<String> known) {
        super("no profile named '" + name + "'" + dev.netext.daemon.profile.Suggest.hint(name, known)
                + (known.isEmpty() ? " (the daemon has no profiles)" : "; profiles: " + String.join(", ", known)));
    }
}
