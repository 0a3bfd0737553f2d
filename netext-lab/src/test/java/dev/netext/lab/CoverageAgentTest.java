package dev.netext.lab;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The child's agent option from the surefire JVM's own, as jacoco-maven-plugin's prepare-agent writes it. */
class CoverageAgentTest {
    private static final String JAR = "/root/.m2/repository/org/jacoco/org.jacoco.agent/0.8.15/org.jacoco.agent-0.8.15-runtime.jar";

    @Test
    void childWritesBesideTheParentsFileAndAppends() {
        List<String> args = List.of("-Xmx1g", "-javaagent:" + JAR + "=destfile=/w/netext-dns/target/jacoco.exec",
                "--enable-native-access=ALL-UNNAMED");
        assertThat(CoverageAgent.forChildren(args)).contains(
                "-javaagent:" + JAR + "=destfile=/w/netext-dns/target/jacoco-children.exec,append=true");
    }

    @Test
    void otherOptionsAreKeptAndAppendIsForced() {
        List<String> args = List.of("-javaagent:" + JAR
                + "=append=false,destfile=/w/m/target/jacoco.exec,includes=dev.netext.*,excludes=a.B:c.*,output=file");
        assertThat(CoverageAgent.forChildren(args)).contains("-javaagent:" + JAR
                + "=destfile=/w/m/target/jacoco-children.exec,append=true,includes=dev.netext.*,excludes=a.B:c.*,output=file");
    }

    @Test
    void otherAgentsOrNoneGiveNothing() {
        assertThat(CoverageAgent.forChildren(List.of("-javaagent:/opt/other-agent.jar=x=1", "-ea"))).isEmpty();
        assertThat(CoverageAgent.forChildren(List.of())).isEmpty();
    }

    @Test
    void underTheBuildsAgentThisJvmPassesItOn() {
        boolean underJacoco = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.startsWith("-javaagent:") && a.contains("org.jacoco.agent"));
        assertThat(CoverageAgent.forChildren().isPresent()).isEqualTo(underJacoco);
        assertThat(NetextProcess.javaCommand().stream().anyMatch(a -> a.contains(CoverageAgent.CHILDREN_EXEC)))
                .isEqualTo(underJacoco);
    }
}
