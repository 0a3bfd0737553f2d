package dev.netext.cli.launch;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/**
 * bin/lib/jvm.sh, the JVM options both launchers (bin/netext, the Debian package's) take: a JVM started with them
 * loads its classes from its role's AOT cache beside the jars (netext-ROLE.aot) when the caches' key matches the jars, and with a stale key,
 * a corrupt cache, a cache of other JVM flags or none at all it starts normally, prints nothing but its own output
 * and exits 0. The program is a one-class jar (training a cache of all of netext takes a minute; a cache of this one
 * takes seconds and exercises the same launcher code). bin/netext trains a new cache when netext_aot_stale says so.
 */
class LauncherAotCacheTest {
    private static final Path JVM_SH = Path.of("..", "bin", "lib", "jvm.sh").toAbsolutePath().normalize();
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final String PROBE = AotProbeMain.class.getName();

    @TempDir
    static Path dist;
    static Path lib, cache, key;
    static byte[] trained;

    @BeforeAll
    static void trainACacheOfTheProbe() throws Exception {
        lib = Files.createDirectories(dist.resolve("lib"));
        cache = dist.resolve("netext-dns.aot"); // the probe is started as `dns serve`
        key = dist.resolve("netext.aot.key");
        String resource = PROBE.replace('.', '/') + ".class";
        try (OutputStream o = Files.newOutputStream(lib.resolve("probe.jar")); JarOutputStream jar = new JarOutputStream(o)) {
            jar.putNextEntry(new JarEntry(resource));
            try (var in = AotProbeMain.class.getClassLoader().getResourceAsStream(resource)) {
                in.transferTo(jar);
            }
        }
        // trained as bin/lib/aot-train.sh does: the common options, -XX:AOTCacheOutput, the same class path
        Result r = sh("\"$JAVA\" $NETEXT_JVM_COMMON -XX:AOTCacheOutput=\"$DIST/netext-dns.aot\" -cp \"$(netext_class_path \"$DIST/lib\")\" " + PROBE + " training"
                + " && netext_aot_key \"$DIST/lib\" >\"$DIST/netext.aot.key\"", Map.of());
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(cache).isNotEmptyFile();
        assertThat(key).isNotEmptyFile();
        trained = Files.readAllBytes(cache);
    }

    @Test
    void aCacheWhoseKeyMatchesTheJarsIsUsed() throws Exception {
        restore();
        Result r = launch("-Xlog:class+load");
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains(PROBE + " source: shared objects file").contains("probe ran: dns serve");
    }

    @Test
    void eachRoleStartsWithItsOwnCache() throws Exception {
        restore();
        Map<String, String> cacheOf = new LinkedHashMap<>();
        for (String command : List.of("dns serve", "dns log", "up p.yaml", "wg up w.conf", "wg show", "daemon", "sandbox", "status", "--version")) {
            Result r = sh("netext_jvm_options \"$DIST/lib\" " + command + " && echo \"$NETEXT_JVM\"", Map.of());
            assertThat(r.exitCode()).as(r.output()).isZero();
            Matcher m = Pattern.compile("-XX:AOTCache=\\S*/(netext-\\w+\\.aot)").matcher(r.output());
            cacheOf.put(command, m.find() ? m.group(1) : "none");
        }
        // only the dns role's cache exists here: the others start without one rather than with another role's
        assertThat(cacheOf).containsExactly(entry("dns serve", "netext-dns.aot"), entry("dns log", "none"), entry("up p.yaml", "none"),
                entry("wg up w.conf", "none"), entry("wg show", "none"), entry("daemon", "none"), entry("sandbox", "none"),
                entry("status", "none"), entry("--version", "none"));
        Map<String, String> fileOf = new LinkedHashMap<>();
        for (String command : List.of("dns serve", "dns log", "up p.yaml", "wg up w.conf", "wg show", "daemon", "sandbox", "status")) {
            Result r = sh("netext_aot_cache \"$DIST/lib\" \"$(netext_role " + command + ")\"", Map.of());
            fileOf.put(command, Path.of(r.output().strip()).getFileName().toString());
        }
        assertThat(fileOf).containsExactly(entry("dns serve", "netext-dns.aot"), entry("dns log", "netext-cli.aot"),
                entry("up p.yaml", "netext-up.aot"), entry("wg up w.conf", "netext-wg.aot"), entry("wg show", "netext-cli.aot"),
                entry("daemon", "netext-daemon.aot"), entry("sandbox", "netext-daemon.aot"), entry("status", "netext-cli.aot"));
    }

    @Test
    void aCacheOfJarsThatChangedSinceIsNotUsed() throws Exception {
        restore();
        Path jar = lib.resolve("probe.jar");
        FileTime built = Files.getLastModifiedTime(jar);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(built.toMillis() + 60_000)); // as a rebuilt jar
        try {
            Result r = launch("-Xlog:class+load");
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.output()).contains(PROBE + " source: file:");
        } finally {
            Files.setLastModifiedTime(jar, built);
        }
    }

    @Test
    void aCorruptCacheMeansANormalStartWithoutAWord() throws Exception {
        restore();
        byte[] garbage = trained.clone();
        for (int i = 0; i < 4096; i++) garbage[i] ^= (byte) 0x5A; // the header: magic, versions, CRCs
        Files.write(cache, garbage);
        assertQuietNormalStart(launch(""));
        Files.write(cache, java.util.Arrays.copyOf(trained, trained.length / 3)); // truncated
        assertQuietNormalStart(launch(""));
    }

    @Test
    void aCacheOfOtherJvmFlagsIsRefusedWithoutAWord() throws Exception {
        restore();
        // a JVM without compact object headers cannot map a cache dumped with them: it refuses it and says so unless told not to
        assertQuietNormalStart(launch("-XX:-UseCompactObjectHeaders"));
    }

    @Test
    void noCacheAtAllIsANormalStart() throws Exception {
        restore();
        Files.delete(cache);
        assertQuietNormalStart(launch(""));
    }

    @Test
    void binNetextTrainsAgainOnlyWhenTheJarsChanged() throws Exception {
        restore();
        String trainedKey = Files.readString(key);
        try {
            assertThat(stale()).as("trained for these jars").isFalse();
            Files.writeString(key, "untrained " + trainedKey);
            assertThat(stale()).as("training failed for these jars: not again").isFalse();
            Path jar = lib.resolve("probe.jar");
            FileTime built = Files.getLastModifiedTime(jar);
            Files.setLastModifiedTime(jar, FileTime.fromMillis(built.toMillis() + 60_000));
            try {
                assertThat(stale()).as("jars changed since").isTrue();
            } finally {
                Files.setLastModifiedTime(jar, built);
            }
            Files.delete(key);
            assertThat(stale()).as("no key").isTrue();
        } finally {
            Files.writeString(key, trainedKey);
        }
    }

    private static boolean stale() throws Exception {
        Result r = sh("if netext_aot_stale \"$DIST/lib\"; then echo stale; else echo fresh; fi", Map.of());
        assertThat(r.exitCode()).as(r.output()).isZero();
        return r.output().strip().equals("stale");
    }

    private static void assertQuietNormalStart(Result r) {
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).isEqualTo("probe ran: dns serve\n");
    }

    private static void restore() throws IOException {
        Files.write(cache, trained);
    }

    /** The probe started as bin/netext starts netext: options for {@code dns serve}, then NETEXT_JAVA_OPTS. */
    private static Result launch(String extraJavaOptions) throws Exception {
        return sh("netext_jvm_options \"$DIST/lib\" dns serve && exec \"$JAVA\" $NETEXT_JVM $NETEXT_JAVA_OPTS -cp \"$(netext_class_path \"$DIST/lib\")\" "
                + PROBE + " dns serve", Map.of("NETEXT_JAVA_OPTS", extraJavaOptions));
    }

    record Result(int exitCode, String output) {}

    private static Result sh(String script, Map<String, String> env) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", ". \"$JVM_SH\" && " + script));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(Map.of("JVM_SH", JVM_SH.toString(), "JAVA", JAVA, "DIST", dist.toString()));
        pb.environment().putAll(env);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }
}
