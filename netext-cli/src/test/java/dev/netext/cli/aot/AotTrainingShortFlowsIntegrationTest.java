package dev.netext.cli.aot;

import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AOT training's short flows (the up and daemon caches' profiles of the fast path's setup): from one namespace to
 * the server the training opens in the peer's, every exchange answered. The training only logs a failed step, so a
 * broken exchange would leave the caches without those profiles and nothing would say so but this test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AotTrainingShortFlowsIntegrationTest {
    @NetnsTest
    void everyShortFlowIsAnsweredByTheServerInThePeersNamespace(NetnsLab lab) throws Exception {
        NetworkNamespace client = lab.namespace("a");
        NetworkNamespace server = lab.namespace("b");
        lab.veth("a", "t-a", "10.91.0.1/24", "b", "t-b", "10.91.0.2/24");
        int answered = client.runInside(() -> new AotTraining.FlowTraffic("10.91.0.2:5201", server.name()).shortFlows());
        assertThat(answered).isEqualTo(AotTraining.SHORT_FLOWS);
    }
}
