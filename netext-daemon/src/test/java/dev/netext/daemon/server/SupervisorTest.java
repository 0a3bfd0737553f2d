package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.daemon.events.EventLog;
import dev.netext.daemon.profile.Profile;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SupervisorTest {
    final List<String> calls = RecordingComponent.newLog();
    final List<RecordingComponent> made = new ArrayList<>();
    final EventLog events = new EventLog();
    final Supervisor sup = new Supervisor(List.of(RecordingComponent.factory(made, calls)),
            new DaemonServices(events, null, Path.of("/nonexistent"), RestartPolicy.DEFAULT));

    @Test
    void reloadAppliesOnlyTheDifference() throws Exception {
        Profile a = Profiles.tunnel("a", "10.1.0.1", ""), b = Profiles.tunnel("b", "10.2.0.1", ""),
                c = Profiles.tunnel("c", "10.3.0.1", "");
        ReloadResult first = sup.apply(Profiles.set(a, b, c));
        assertThat(first.started()).containsExactly("a", "b", "c");
        assertThat(calls).containsExactly("start a", "start b", "start c");
        RecordingComponent aComponent = made.getFirst();
        calls.clear();

        Profile b2 = Profiles.tunnel("b", "10.2.0.9", ""); // changed
        Profile d = Profiles.tunnel("d", "10.4.0.1", "");   // new; c removed
        ReloadResult second = sup.apply(Profiles.set(Profiles.tunnel("a", "10.1.0.1", ""), b2, d));
        assertThat(second.unchanged()).containsExactly("a");
        assertThat(second.restarted()).containsExactly("b");
        assertThat(second.stopped()).containsExactly("c");
        assertThat(second.started()).containsExactly("d");
        // stops before starts; a is never touched and keeps its component
        assertThat(calls).containsExactly("stop b CONFIGURATION_REMOVED", "stop c CONFIGURATION_REMOVED", "start b", "start d");
        assertThat(aComponent.isUp()).isTrue();
        assertThat(made.stream().filter(m -> m.profile.name().equals("a"))).hasSize(1);

        // the reload is in the event log
        List<ProviderEvent> reloads = events.history(e -> e instanceof ProviderEvent.ProviderMessage m && m.type().equals("daemon.reload"));
        assertThat(((ProviderEvent.ProviderMessage) reloads.getLast()).attributes())
                .containsEntry("restarted", "b").containsEntry("stopped", "c").containsEntry("started", "d").containsEntry("unchanged", "a");

        calls.clear();
        sup.close();
        assertThat(calls).containsExactlyInAnyOrder("stop a SHUTDOWN", "stop b SHUTDOWN", "stop d SHUTDOWN");
    }

    @Test
    void disabledAndOnDemandProfilesWaitAndUpDownOverride() throws Exception {
        Profile off = Profiles.of("off", "enabled: false\ntunnel: { provider: echo }\n");
        Profile od = Profiles.of("od", "tunnel: { provider: echo }\non-demand:\n  - action: connect\n    interface: eth*\n");
        sup.apply(Profiles.set(off, od));
        assertThat(calls).isEmpty();
        assertThat(sup.status()).extracting(ProfileState::reason).containsExactly("on-demand: no rule matched yet", "disabled");

        sup.up("off");
        assertThat(calls).containsExactly("start off");
        sup.down("off");
        assertThat(calls).containsExactly("start off", "stop off USER_INITIATED");
        assertThat(sup.onDemand("off", true, "x")).as("disabled profiles ignore on-demand").isFalse();

        assertThat(sup.onDemand("od", true, "Connect rule 1")).isTrue();
        assertThat(sup.onDemand("od", true, "Connect rule 1")).as("already up").isFalse();
        sup.down("od"); // suspends on-demand until up
        assertThat(sup.onDemandProfiles()).doesNotContainKey("od");
        assertThat(sup.onDemand("od", true, "Connect rule 1")).isFalse();
        sup.up("od");
        assertThat(sup.onDemandProfiles()).containsKey("od");
        assertThat(calls).containsExactly("start off", "stop off USER_INITIATED", "start od", "stop od USER_INITIATED", "start od");

        assertThatThrownBy(() -> sup.up("offf")).isInstanceOf(UnknownProfileException.class)
                .hasMessageContaining("no profile named 'offf'").hasMessageContaining("did you mean 'off'");
    }
}
