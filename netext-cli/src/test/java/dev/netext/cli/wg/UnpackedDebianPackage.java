package dev.netext.cli.wg;

import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.ProcessRunner;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A Debian package fetched with {@code apt-get download} and unpacked with {@code dpkg-deb -x}, never installed: for
 * a test peer whose maintainer scripts would change the host (packages/debian.txt's {@code unpack} role). The tree is
 * kept in {@link #CACHE}, one directory per package and version, so that later runs, clean builds and every worktree
 * reuse it; it is unpacked beside it and renamed into place, so parallel runs never see half a tree.
 */
final class UnpackedDebianPackage {
    static final Path CACHE = Path.of("/var/cache/netext-test");
    private static final Duration APT = Duration.ofMinutes(3);

    private UnpackedDebianPackage() {}

    /**
     * The root of {@code name} at {@code version} unpacked, downloaded the first time. Fails with one line saying what
     * to do (the cache directory to unpack it into by hand included) when apt cannot get it.
     */
    static Path unpacked(String name, String version) throws IOException {
        Path root = CACHE.resolve(name + "_" + version);
        if (Files.isDirectory(root)) return root;
        Files.createDirectories(CACHE);
        Path work = Files.createTempDirectory(CACHE, name + ".");
        String spec = name + "=" + version;
        try {
            ExecResult got = download(work, spec);
            if (!got.ok() && notInAptLists(got)) {
                // the host's lists predate this version (or were never fetched): refresh them once
                ProcessRunner.run(List.of("apt-get", "update", "-q"), APT);
                got = download(work, spec);
            }
            if (!got.ok()) throw new IOException(spec + " could not be downloaded (" + aptErrors(got) + "); "
                    + howByHand(name, version, root));
            Path deb;
            try (Stream<Path> files = Files.list(work)) {
                deb = files.filter(f -> f.toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> new IOException("apt-get download " + spec + " left no .deb; " + howByHand(name, version, root)));
            }
            Path tree = work.resolve("root");
            ExecResult unpack = ProcessRunner.run(List.of("dpkg-deb", "-x", deb.toString(), tree.toString()), APT);
            if (!unpack.ok()) throw new IOException("dpkg-deb -x " + deb.getFileName() + " failed (" + oneLine(unpack.output())
                    + "); " + howByHand(name, version, root));
            try {
                Files.move(tree, root, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // a parallel run unpacked it first: the same package, use theirs
            }
        } finally {
            deleteTree(work);
        }
        return root;
    }

    private static ExecResult download(Path dir, String spec) throws IOException {
        return ProcessRunner.run(List.of("env", "-C", dir.toString(), "apt-get", "download", "-q", spec), APT);
    }

    private static boolean notInAptLists(ExecResult r) {
        return r.output().contains("Unable to locate package") || r.output().contains("was not found")
                || r.output().contains("Can't select");
    }

    private static String aptErrors(ExecResult r) {
        String errors = r.output().lines().filter(l -> l.startsWith("E:")).collect(Collectors.joining("; "));
        return errors.isEmpty() ? (r.timedOut() ? "timed out" : oneLine(r.output())) : errors;
    }

    private static String oneLine(String text) { return text.strip().replace('\n', ' '); }

    private static String howByHand(String name, String version, Path root) {
        return "check apt's sources and network, or unpack it by hand: apt-get download " + name + "=" + version
                + " && dpkg-deb -x " + name + "_*.deb " + root + " (never apt-get install it)";
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
