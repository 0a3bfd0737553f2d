package dev.netext.daemon.server;

import dev.netext.api.ProviderStatus;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.profile.Profile;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A component that only records what the supervisor asked of it: the supervisor's own logic (differences, order,
 * on-demand) under test without a kernel. The real tunnel component is tested in namespaces (netext-cli).
 */
final class RecordingComponent implements ProfileComponent {
    final Profile profile;
    final List<String> calls;
    private volatile boolean up;

    RecordingComponent(Profile profile, List<String> calls) {
        this.profile = profile;
        this.calls = calls;
    }

    static ComponentFactory factory(List<RecordingComponent> made, List<String> calls) {
        return (p, s) -> {
            RecordingComponent c = new RecordingComponent(p, calls);
            made.add(c);
            return java.util.Optional.of(c);
        };
    }

    static List<String> newLog() { return new CopyOnWriteArrayList<>(); }

    @Override public String kind() { return "test"; }

    @Override public void start() {
        if (up) return;
        up = true;
        calls.add("start " + profile.name());
    }

    @Override public void stop(StopReason reason) {
        if (!up) return;
        up = false;
        calls.add("stop " + profile.name() + " " + reason);
    }

    boolean isUp() { return up; }

    @Override public ComponentStatus status() {
        return new ComponentStatus(kind(), up ? ProviderStatus.CONNECTED : ProviderStatus.DISCONNECTED, "test", "", 0, null, Map.of());
    }
}
