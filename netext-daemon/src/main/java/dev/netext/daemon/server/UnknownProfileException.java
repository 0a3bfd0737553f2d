package dev.netext.daemon.server;

import java.util.Collection;
import dev.netext.daemon.profile.Suggest;

/** {@code netext up/down NAME} for a name the daemon has no profile of. */
public final class UnknownProfileException extends Exception {
    public UnknownProfileException(String name, Collection<String> known) {
        super("no profile named '" + name + "'" + Suggest.hint(name, known)
                + (known.isEmpty() ? " (the daemon has no profiles)" : "; profiles: " + String.join(", ", known)));
    }
}
