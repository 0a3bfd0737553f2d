package dev.netext.linux.netns;

import dev.netext.linux.Root;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A lab whose JVM is killed with SIGKILL leaves its namespace behind; the next lab's recovery removes it. */
class NetnsLabCrashTest {
    @Test
    void namespacesOfAKilledLabAreRecovered() throws Exception {
        Root.assumeRoot();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), LabCrashChild.class.getName()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String nsName = null;
        try {
            String line = new BufferedReader(new InputStreamReader(child.getInputStream())).readLine();
            assertThat(line).as("child reports its namespace").isNotNull();
            String[] parts = line.split(" ");
            nsName = parts[0];
            Path ledger = Path.of(parts[1]);
            assertThat(NetworkNamespace.NETNS_DIR.resolve(nsName)).exists();

            NetnsLab.recoverStale();
            assertThat(NetworkNamespace.NETNS_DIR.resolve(nsName)).as("the child is alive: its lab is kept").exists();

            child.destroyForcibly(); // SIGKILL: no close(), no shutdown hook
            assertThat(child.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(NetworkNamespace.NETNS_DIR.resolve(nsName)).as("left behind by the crash").exists();
            assertThat(ledger).exists();

            // at least ours: labs of other test JVMs that died may be recovered too
            assertThat(NetnsLab.recoverStale()).isGreaterThanOrEqualTo(1);
            assertThat(NetworkNamespace.NETNS_DIR.resolve(nsName)).doesNotExist();
            assertThat(ledger).doesNotExist();
        } finally {
            child.destroyForcibly();
            child.waitFor(5, TimeUnit.SECONDS);
            if (nsName != null && Files.exists(NetworkNamespace.NETNS_DIR.resolve(nsName))) {
                new ProcessBuilder("ip", "netns", "del", nsName).start().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
