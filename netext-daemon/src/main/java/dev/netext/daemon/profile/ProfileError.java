package dev.netext.daemon.profile;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One problem in a profile file, printed the way compilers do so editors can jump to it:
 * {@code profile.yaml:7: tunnel.settings.addresses[1]: 'fd84::zz/64' is not an IPv6 address}.
 *
 * @param file    the profile file, as it was given to the loader
 * @param line    1-based line, or 0 when the problem is about the file as a whole (unreadable, …)
 * @param keyPath where in the document: {@code tunnel.settings.dns.servers[0]}; empty for the document itself
 * @param reason  what is wrong, and where possible how to fix it
 */
public record ProfileError(Path file, int line, String keyPath, String reason) {

    public ProfileError {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(reason, "reason");
        keyPath = keyPath == null ? "" : keyPath;
        if (line < 0) line = 0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(file.toString());
        if (line > 0) sb.append(':').append(line);
        sb.append(": ");
        if (!keyPath.isEmpty()) sb.append(keyPath).append(": ");
        return sb.append(reason).toString();
    }
}
