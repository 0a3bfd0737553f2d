package dev.netext.daemon.dashboard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The dashboard's secret: 256 random bits, base64url. Written to a file only its owner (root) can read, so only
 * those who may use the control socket can open the page; {@code netext status} and {@code netext dashboard} print
 * the URL with it.
 */
public final class DashboardToken {
    public static final String FILE_NAME = "dashboard.token";

    private final String value;

    private DashboardToken(String value) {
        this.value = value;
    }

    public static DashboardToken random() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return new DashboardToken(Base64.getUrlEncoder().withoutPadding().encodeToString(b));
    }

    public String value() { return value; }

    /** Whether {@code candidate} is the token, in time independent of where they differ. */
    public boolean matches(String candidate) {
        return candidate != null && MessageDigest.isEqual(value.getBytes(StandardCharsets.US_ASCII),
                candidate.getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes the token to {@code dir/dashboard.token}, mode 0600 from creation (a temp file moved into place). */
    public Path writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".dashboard", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, value + "\n", StandardCharsets.US_ASCII);
            return Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override public String toString() { return "DashboardToken[…]"; }
}
