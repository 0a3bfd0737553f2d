package dev.netext.linux.diag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netext.api.flow.ProcessInfo;
import dev.netext.linux.sys.HostPackages;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The per-pid cache of process facts gives them again only while the process is still the one read. */
class ProcessFactsCacheTest {
    private static final String STAT = "4242 (we ird) name)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
            + "777 1000 200 18446744073709551615 94000 95000 140000 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 96000 97000 "
            + "98000 140100 140200 140200 140300 0";

    @Test
    void imageChangesWithStartTimeAndExecAndHidesNothing() {
        String image = ProcessFactsCache.image(bytes(STAT));
        assertThat(image).startsWith("(we ird) name))").contains(" 777 ", " 94000 95000 140000", " 140100 140200 140200 140300");
        assertThat(ProcessFactsCache.image(bytes(STAT.replace(" 777 ", " 778 ")))).isNotEqualTo(image); // pid reused
        assertThat(ProcessFactsCache.image(bytes(STAT.replace(" 140100 ", " 140108 ")))).isNotEqualTo(image); // new argv
        assertThat(ProcessFactsCache.image(bytes(STAT.replace("94000 95000 140000", "0 0 0")))).isNull(); // no ptrace access
        assertThat(ProcessFactsCache.image(bytes("4242 (x) S 1 2"))).isNull();
        assertThat(ProcessFactsCache.image(null)).isNull();
    }

    @Test
    void givesTheSameProcessAgainFromTheCache() {
        ProcessFactsCache cache = new ProcessFactsCache(new ProcProcessReader());
        int me = (int) ProcessHandle.current().pid();
        long uid = uidOf(me);
        ProcessInfo first = cache.read(me, uid).build(), second = cache.read(me, uid).build();
        assertThat(second).isEqualTo(first);
        assertThat(cache.reads()).isEqualTo(1);
        assertThat(cache.hits()).isEqualTo(1);
        cache.read(me, uid + 1); // a socket of another uid: read again
        assertThat(cache.reads()).isEqualTo(2);
        ProcessFactsCache off = new ProcessFactsCache(new ProcProcessReader(), "/proc", false);
        off.read(me, uid);
        off.read(me, uid);
        assertThat(off.hits()).isZero();
    }

    @Test
    void anExecOfTheSameProgramIsSeen() throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", "read x; exec /bin/sh -c 'read y; echo'").start();
        try {
            int pid = (int) p.pid();
            ProcessFactsCache cache = new ProcessFactsCache(new ProcProcessReader());
            awaitCmdline(pid, List.of("/bin/sh", "-c", "read x; exec /bin/sh -c 'read y; echo'"));
            assertThat(cache.read(pid, 0).build().commandLine()).containsExactly("/bin/sh", "-c", "read x; exec /bin/sh -c 'read y; echo'");
            assertThat(cache.read(pid, 0).build().commandLine()).hasSize(3); // cached
            assertThat(cache.hits()).isEqualTo(1);
            write(p, "\n");
            awaitCmdline(pid, List.of("/bin/sh", "-c", "read y; echo"));
            assertThat(cache.read(pid, 0).build().commandLine()).containsExactly("/bin/sh", "-c", "read y; echo");
            assertThat(cache.reads()).isEqualTo(2);
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void aSetuidIsSeenByTheNewSocketsOwner() throws Exception {
        HostPackages.require("python3");
        Process p = new ProcessBuilder("python3", "-c",
                "import os,sys; sys.stdin.readline(); os.setuid(65534); print('ok', flush=True); sys.stdin.readline()").start();
        try {
            int pid = (int) p.pid();
            ProcessFactsCache cache = new ProcessFactsCache(new ProcProcessReader());
            assertThat(cache.read(pid, 0).build().uid()).hasValue(0);
            write(p, "\n");
            assertThat(new BufferedReader(new InputStreamReader(p.getInputStream())).readLine()).isEqualTo("ok");
            assertThat(cache.read(pid, 65534).build().uid()).hasValue(65534);
            assertThat(cache.hits()).isZero();
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void aMoveToAnotherCgroupIsSeen() throws Exception {
        Path unified = cgroup2Mount();
        assumeTrue(unified != null && Files.isWritable(unified), "no writable cgroup v2 hierarchy");
        Process p = new ProcessBuilder("sleep", "30").start();
        Path child = null;
        String was = null;
        try {
            int pid = (int) p.pid();
            ProcessFactsCache cache = new ProcessFactsCache(new ProcProcessReader());
            was = cache.read(pid, 0).build().cgroupPath().orElseThrow();
            assertThat(cache.read(pid, 0).build().cgroupPath()).contains(was);
            assertThat(cache.hits()).isEqualTo(1);
            child = unified.resolve(was.substring(1)).resolve("netext-facts-" + UUID.randomUUID().toString().substring(0, 8));
            Files.createDirectory(child);
            Files.writeString(child.resolve("cgroup.procs"), Long.toString(pid));
            String moved = cache.read(pid, 0).build().cgroupPath().orElseThrow();
            assertThat(moved).isNotEqualTo(was).endsWith(child.getFileName().toString());
            assertThat(cache.reads()).isEqualTo(2);
        } finally {
            p.destroyForcibly().waitFor();
            if (child != null) {
                for (int i = 0; i < 50 && !deleted(child); i++) Thread.sleep(20); // a cgroup is removable once empty
            }
        }
    }

    private static boolean deleted(Path cgroup) {
        try {
            Files.deleteIfExists(cgroup);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static Path cgroup2Mount() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = Arrays.asList(f).indexOf("-");
            if (dash > 0 && dash + 1 < f.length && f[dash + 1].equals("cgroup2")) return Path.of(f[4]);
        }
        return null;
    }

    private static void awaitCmdline(int pid, List<String> expected) throws Exception {
        for (int i = 0; i < 250; i++) {
            byte[] raw = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            if (ProcProcessReader.parseCmdline(raw).equals(expected)) return;
            Thread.sleep(20);
        }
        throw new AssertionError("process " + pid + " never showed " + expected);
    }

    private static void write(Process p, String s) throws Exception {
        OutputStream o = p.getOutputStream();
        o.write(s.getBytes(StandardCharsets.US_ASCII));
        o.flush();
    }

    private static long uidOf(int pid) {
        return new ProcProcessReader().read(pid).build().uid().orElseThrow();
    }

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }
}
