package dev.netext.linux.sys;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What netext needs from Debian, read from {@code packages/debian.txt} (the one list, which the build copies into this
 * jar; {@code bin/lib/packages.sh} reads the same file to install them): which package provides each external program
 * netext or its tests run, and why. {@link #require} turns a missing program into one line naming its package, instead
 * of {@code Cannot run program "nft"} or a test that quietly does not run.
 */
public final class HostPackages {
    /** One line of the list: a package, the roles it serves (runtime, sandbox, test, bench, package, unpack), what it provides, why. */
    public record Package(String name, Set<String> roles, List<String> provides, String why) {}

    private static final String RESOURCE = "debian.txt";
    /** Where programs are looked up besides PATH: a non-root PATH often lacks the sbin directories. */
    private static final List<String> SBIN = List.of("/usr/sbin", "/sbin");
    private static final List<Package> PACKAGES = load();
    /** Programs already found: they do not disappear while netext runs, and callers check before every start. */
    private static final Set<String> FOUND = ConcurrentHashMap.newKeySet();

    private HostPackages() {}

    public static List<Package> all() { return PACKAGES; }

    /** The package that provides {@code program} (a command name, or an absolute path as listed or by its file name). */
    public static Optional<Package> providing(String program) {
        String command = Path.of(program).getFileName().toString();
        for (Package p : PACKAGES) {
            for (String provided : p.provides()) {
                if (provided.equals(program) || Path.of(provided).getFileName().toString().equals(command)) return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Whether {@code program} can be run: an executable absolute path, or a command on PATH or in the sbin directories. */
    public static boolean installed(String program) {
        if (FOUND.contains(program)) return true;
        boolean found;
        if (program.contains("/")) {
            found = Files.isExecutable(Path.of(program));
        } else {
            List<String> dirs = new ArrayList<>(Arrays.asList(System.getenv().getOrDefault("PATH", "").split(":")));
            dirs.addAll(SBIN);
            found = dirs.stream().filter(d -> !d.isEmpty()).anyMatch(d -> Files.isExecutable(Path.of(d, program)));
        }
        if (found) FOUND.add(program);
        return found;
    }

    /**
     * Throws {@link MissingProgramException}, naming the package, for the first of {@code programs} that is not
     * installed. For the tests, the way a missing peer fails instead of being skipped.
     */
    public static void require(String... programs) throws MissingProgramException {
        for (String program : programs) {
            if (!installed(program)) throw new MissingProgramException(program, providing(program));
        }
    }

    private static List<Package> load() {
        try (InputStream in = HostPackages.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from netext-linux's jar (copied from packages/ by the build)");
            List<Package> list = new ArrayList<>();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.strip().split("\\s+", 4);
                if (f.length < 3) throw new IllegalStateException(RESOURCE + ": package, roles and provides expected: " + line);
                list.add(new Package(f[0], new LinkedHashSet<>(List.of(f[1].split(","))), List.of(f[2].split(",")),
                        f.length > 3 ? f[3] : ""));
            }
            return List.copyOf(list);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
