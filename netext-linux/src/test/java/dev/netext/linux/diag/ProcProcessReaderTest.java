package dev.netext.linux.diag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.flow.ProcessInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcProcessReaderTest {

    @Test
    void parsers() {
        assertThat(ProcProcessReader.parseCmdline("curl\0-s\0http://x/\0".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("curl", "-s", "http://x/");
        assertThat(ProcProcessReader.parseCmdline("a\0\0b".getBytes(StandardCharsets.UTF_8))).containsExactly("a", "", "b");
        assertThat(ProcProcessReader.parseCmdline(new byte[0])).isEmpty();
        String status = "Name:\tcurl\nUid:\t1000\t1001\t1002\t1003\nGid:\t100\t101\t102\t103\n";
        assertThat(ProcProcessReader.effectiveId(status, "Uid:")).isEqualTo(1001);
        assertThat(ProcProcessReader.effectiveId(status, "Gid:")).isEqualTo(101);
        assertThat(ProcProcessReader.effectiveId("Uid:\tx\ty\n", "Uid:")).isEqualTo(-1);
        assertThat(ProcProcessReader.effectiveId("Name:\tx\n", "Uid:")).isEqualTo(-1);
        assertThat(ProcProcessReader.effectiveId("NotUid:\t5\t6\nUid:\t7\t8\t9\t10", "Uid:")).isEqualTo(8);
        assertThat(ProcProcessReader.parseCgroupV2("12:cpu:/a\n0::/user.slice/app.scope\n")).isEqualTo("/user.slice/app.scope");
        assertThat(ProcProcessReader.parseCgroupV2("12:cpu:/a\n")).isNull();
    }

    @Test
    void readsThisProcess() throws Exception {
        int pid = (int) ProcessHandle.current().pid();
        ProcessInfo p = new ProcProcessReader().read(pid).build();
        assertThat(p.pid()).hasValue(pid);
        assertThat(p.executable()).contains(Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath());
        assertThat(p.commandLine()).isNotEmpty();
        assertThat(p.commandLine().getFirst()).endsWith("java");
        long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        assertThat(p.uid()).hasValue(uid);
        assertThat(p.gid()).isPresent();
        String cgroup = ProcProcessReader.parseCgroupV2(Files.readString(Path.of("/proc/self/cgroup")));
        if (cgroup != null) assertThat(p.cgroupPath()).contains(cgroup);
    }

    @Test
    void aProcessThatIsGoneYieldsOnlyThePid() {
        ProcessInfo p = new ProcProcessReader(Path.of("/nonexistent-proc")).read(123).build();
        assertThat(p.pid()).hasValue(123);
        assertThat(p.executable()).isEmpty();
        assertThat(p.commandLine()).isEqualTo(List.of());
        assertThat(p.uid()).isEmpty();
    }

    @Test
    void filesAreReadWholeUpToTheLimit() throws Exception {
        Path dir = Files.createTempDirectory("proc-files");
        Path big = dir.resolve("big");
        try {
            byte[] content = new byte[ProcFiles.MAX_BYTES + 100];
            for (int i = 0; i < content.length; i++) content[i] = (byte) i;
            Files.write(big, content);
            assertThat(ProcFiles.read(big.toString(), 4096)).hasSize(4096).startsWith(content[0], content[1]);
            assertThat(ProcFiles.read(big.toString(), Integer.MAX_VALUE)).hasSize(ProcFiles.MAX_BYTES);
            assertThat(ProcFiles.read("/proc/self/status", ProcFiles.MAX_BYTES)).asString(StandardCharsets.ISO_8859_1)
                    .contains("Uid:").endsWith("\n");
            assertThat(ProcFiles.read(dir.resolve("missing").toString(), 10)).isNull();
        } finally {
            Files.deleteIfExists(big);
            Files.deleteIfExists(dir);
        }
    }
}
