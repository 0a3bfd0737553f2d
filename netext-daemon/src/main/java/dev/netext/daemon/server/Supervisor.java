package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ondemand.OnDemandRule;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.ProfileSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Runs a {@link ProfileSet}: one {@link ProfileComponent} per section of each profile, started when the profile is
 * active. Applying a new set changes only the difference: a profile whose definition is unchanged keeps running
 * untouched (its flows never notice), a changed one is stopped and started again, a removed one is stopped — which
 * removes everything it set up — and a new one starts. Stops happen before starts, so a profile may take over a
 * device name another one gave up in the same reload.
 *
 * <p>A profile is active when it is enabled and has no on-demand rules, when its on-demand rules say connect, or
 * when {@code netext up} asked. {@code netext down} stops it and, as in Network Extension, suspends its on-demand
 * rules until the next {@code up} (or a reload that changes it).
 *
 * <p>All methods are synchronized: reloads, up/down and on-demand decisions are applied one at a time. Component
 * starts return at once, so a slow provider never holds the supervisor.
 */
public final class Supervisor implements AutoCloseable {
    private final List<ComponentFactory> factories;
    private final DaemonServices services;
    private final Map<String, Managed> profiles = new TreeMap<>();

    /** A profile under supervision. */
    private static final class Managed {
        final Profile profile;
        final List<ProfileComponent> components;
        boolean active;
        boolean onDemandSuspended;
        String reason;

        Managed(Profile profile, List<ProfileComponent> components) {
            this.profile = profile;
            this.components = components;
            this.reason = profile.enabled() ? (profile.onDemand().isEmpty() ? "enabled" : "on-demand: no rule matched yet") : "disabled";
        }
    }

    public Supervisor(List<ComponentFactory> factories, DaemonServices services) {
        this.factories = List.copyOf(factories);
        this.services = services;
    }

    /** Applies {@code set} (already validated as a whole): only the difference from what runs. */
    public synchronized ReloadResult apply(ProfileSet set) {
        List<String> started = new ArrayList<>(), stopped = new ArrayList<>(), restarted = new ArrayList<>(),
                unchanged = new ArrayList<>();
        List<Managed> toStart = new ArrayList<>();
        for (var it = profiles.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            String name = e.getKey(); // read before remove(): a TreeMap entry may take its successor's key then
            Managed m = e.getValue();
            Optional<Profile> next = set.get(name);
            if (next.isPresent() && next.get().equals(m.profile)) {
                unchanged.add(name);
                continue;
            }
            deactivate(m, StopReason.CONFIGURATION_REMOVED, next.isPresent() ? "changed" : "removed");
            it.remove();
            if (next.isEmpty()) stopped.add(name);
            else restarted.add(name);
        }
        for (Profile p : set.profiles().values()) {
            if (profiles.containsKey(p.name())) continue;
            Managed m = new Managed(p, components(p));
            profiles.put(p.name(), m);
            if (!restarted.contains(p.name())) started.add(p.name());
            toStart.add(m);
        }
        for (Managed m : toStart) {
            if (m.profile.enabled() && m.profile.onDemand().isEmpty()) activate(m, "enabled");
        }
        ReloadResult r = new ReloadResult(started, stopped, restarted, unchanged);
        services.events().publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, Daemon.EVENT_SOURCE,
                ProviderEvent.NO_FLOW, "daemon.reload", Map.of("started", String.join(" ", started),
                "stopped", String.join(" ", stopped), "restarted", String.join(" ", restarted),
                "unchanged", String.join(" ", unchanged))));
        return r;
    }

    private List<ProfileComponent> components(Profile p) {
        List<ProfileComponent> out = new ArrayList<>();
        for (ComponentFactory f : factories) f.create(p, services).ifPresent(out::add);
        return out;
    }

    /** {@code netext up NAME}: starts the profile, even a disabled one, and resumes its on-demand rules. */
    public synchronized void up(String name) throws UnknownProfileException {
        up(name, Map.of());
    }

    /**
     * {@link #up(String)} with start options for its tunnel ({@code --option key=value}): they reach the provider's
     * {@code TunnelContext.startOptions()} when this up starts it; a tunnel already running keeps its own.
     *
     * @return false when options were given and the tunnel was running already: they apply at its next start
     */
    public synchronized boolean up(String name, Map<String, String> startOptions) throws UnknownProfileException {
        Managed m = require(name);
        boolean applied = true;
        for (ProfileComponent c : m.components)
            if (c instanceof TunnelComponent t && t.startOptions(startOptions) && !startOptions.isEmpty()) applied = false;
        m.onDemandSuspended = false;
        activate(m, "netext up");
        return applied;
    }

    /** {@code netext down NAME}: stops the profile and suspends its on-demand rules until the next up. */
    public synchronized void down(String name) throws UnknownProfileException {
        Managed m = require(name);
        m.onDemandSuspended = !m.profile.onDemand().isEmpty();
        deactivate(m, StopReason.USER_INITIATED, "netext down");
    }

    /**
     * An on-demand decision for {@code name}: connect or disconnect. Ignored for disabled profiles, suspended ones,
     * and ones already in that state. Returns whether anything changed.
     */
    synchronized boolean onDemand(String name, boolean connect, String why) {
        Managed m = profiles.get(name);
        if (m == null || !m.profile.enabled() || m.onDemandSuspended || m.active == connect) return false;
        if (connect) activate(m, "on-demand: " + why);
        else deactivate(m, StopReason.ON_DEMAND_DISCONNECT, "on-demand: " + why);
        return true;
    }

    /** The rules of every enabled profile that has on-demand rules and is not suspended. */
    synchronized Map<String, List<OnDemandRule>> onDemandProfiles() {
        Map<String, List<OnDemandRule>> out = new LinkedHashMap<>();
        for (Managed m : profiles.values()) {
            if (m.profile.enabled() && !m.onDemandSuspended && !m.profile.onDemand().isEmpty())
                out.put(m.profile.name(), m.profile.onDemand());
        }
        return out;
    }

    public synchronized List<ProfileState> status() {
        List<ProfileState> out = new ArrayList<>();
        for (Managed m : profiles.values()) {
            List<ComponentStatus> cs = new ArrayList<>();
            for (ProfileComponent c : m.components) cs.add(c.status());
            out.add(new ProfileState(m.profile.name(), m.profile.source(), m.profile.enabled(), m.active, m.reason,
                    m.profile.onDemand().size(), cs));
        }
        return out;
    }

    /** The components of profile {@code name}, started or not; a reload that changes the profile replaces them. */
    synchronized List<ProfileComponent> components(String name) throws UnknownProfileException {
        Managed m = require(name);
        return List.copyOf(m.components);
    }

    public synchronized List<Profile> profiles() {
        return profiles.values().stream().map(m -> m.profile).toList();
    }

    private void activate(Managed m, String why) {
        m.reason = why;
        m.active = true;
        // on an active profile too: brings back a component its hard memory limit stopped; started ones ignore it
        for (ProfileComponent c : m.components) c.start();
    }

    private void deactivate(Managed m, StopReason reason, String why) {
        m.reason = why;
        if (!m.active) return;
        m.active = false;
        // reverse order of start: later sections may depend on earlier ones (DNS through the tunnel)
        for (ProfileComponent c : m.components.reversed()) c.stop(reason);
    }

    private Managed require(String name) throws UnknownProfileException {
        Managed m = profiles.get(name);
        if (m == null) throw new UnknownProfileException(name, profiles.keySet());
        return m;
    }

    /** Stops every profile (daemon shutdown). */
    @Override
    public synchronized void close() {
        for (Managed m : profiles.values()) deactivate(m, StopReason.SHUTDOWN, "daemon stopped");
        profiles.clear();
    }
}
