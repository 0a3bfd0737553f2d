package dev.netext.cli.launch;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * bin/lib/launch.sh's netext_exec gives every role's JVM glibc's MALLOC_ARENA_MAX from bin/lib/jvm.sh (2), keeps a
 * caller's own, and sets none when the JVM's defaults are asked for. The "JVM" is a script that prints its
 * environment's value, started as the launchers start java.
 */
class LauncherMallocArenasTest {
    private static final Path LIB_SH = Path.of("..", "bin", "lib").toAbsolutePath().normalize();

    @TempDir
    static Path home;

    @BeforeAll
    static void aJavaThatPrintsItsArenas() throws Exception {
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\necho \"arenas=${MALLOC_ARENA_MAX:-unset}\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createFile(Files.createDirectories(home.resolve("lib")).resolve("netext.jar"));
    }

    @Test
    void everyRoleGetsTwoArenas() throws Exception {
        assertThat(launch(Map.of(), "dns", "serve")).isEqualTo("arenas=2");
        assertThat(launch(Map.of(), "up", "profile.yaml")).isEqualTo("arenas=2");
        assertThat(launch(Map.of(), "--version")).isEqualTo("arenas=2");
    }

    @Test
    void aCallersOwnValueWins() throws Exception {
        assertThat(launch(Map.of("MALLOC_ARENA_MAX", "4"), "dns", "serve")).isEqualTo("arenas=4");
    }

    @Test
    void theJvmsDefaultsMeanGlibcsToo() throws Exception {
        assertThat(launch(Map.of("NETEXT_JVM_DEFAULTS", "1"), "dns", "serve")).isEqualTo("arenas=unset");
    }

    private static String launch(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c",
                ". \"$LIB_SH/jvm.sh\" && . \"$LIB_SH/launch.sh\" && netext_exec \"$HOME_DIR\" \"$HOME_DIR/lib\" /usr/bin/netext \"$@\"",
                "launcher"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("MALLOC_ARENA_MAX");
        pb.environment().putAll(Map.of("LIB_SH", LIB_SH.toString(), "HOME_DIR", home.toString(), "NETEXT_AOT", "0"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.strip();
    }
}
