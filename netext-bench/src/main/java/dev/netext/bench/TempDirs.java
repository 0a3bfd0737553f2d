package dev.netext.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** The benches' temporary directories (engine ledgers, generated profiles and configs). */
final class TempDirs {
    private TempDirs() {}

    /**
     * Deletes {@code dir} and everything in it, if it is still there: an engine's clean stop deletes its ledger, and
     * the directory with it when empty.
     */
    static void delete(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return;
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }
}
