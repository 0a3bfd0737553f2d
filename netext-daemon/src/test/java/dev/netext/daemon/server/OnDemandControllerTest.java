package dev.netext.daemon.server;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ondemand.InterfaceType;
import dev.netext.api.ondemand.NetworkState;
import dev.netext.daemon.events.EventLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class OnDemandControllerTest {
    final List<String> calls = RecordingComponent.newLog();
    final List<RecordingComponent> made = new ArrayList<>();
    final EventLog events = new EventLog();
    final Supervisor sup = new Supervisor(List.of(RecordingComponent.factory(made, calls)),
            new DaemonServices(events, null, Path.of("/nonexistent"), RestartPolicy.DEFAULT));
    final Set<URI> reachable = ConcurrentHashMap.newKeySet();
    final List<URI> probed = new java.util.concurrent.CopyOnWriteArrayList<>();
    final OnDemandController od = new OnDemandController(sup, events, u -> {
        probed.add(u);
        return reachable.contains(u);
    });

    static final NetworkState HOME = NetworkState.of("wlan0", InterfaceType.WIFI, List.of("home.arpa"), List.of());
    static final NetworkState OFFICE = NetworkState.of("eth0", InterfaceType.WIRED, List.of("corp.example"), List.of());

    @AfterEach
    void close() {
        od.close();
    }

    private List<OnDemandController.Decision> get(java.util.concurrent.CompletableFuture<List<OnDemandController.Decision>> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void networkChangesConnectAndDisconnectFirstMatchWins() throws Exception {
        sup.apply(Profiles.set(Profiles.of("vpn", """
                tunnel: { provider: echo }
                on-demand:
                  - { action: disconnect, dns-search-domains: [corp.example] }
                  - { action: connect, interface-type: wifi }
                  - { action: ignore }
                """)));
        assertThat(calls).isEmpty();
        assertThat(get(od.networkChanged(HOME))).containsExactly(new OnDemandController.Decision("vpn", 2, "Connect", "connect", true));
        assertThat(calls).containsExactly("start vpn");
        assertThat(get(od.networkChanged(OFFICE))).containsExactly(new OnDemandController.Decision("vpn", 1, "Disconnect", "disconnect", true));
        assertThat(calls).containsExactly("start vpn", "stop vpn ON_DEMAND_DISCONNECT");
        // offline: only the Ignore rule (no conditions) matches; nothing changes
        assertThat(get(od.networkChanged(NetworkState.OFFLINE))).extracting(OnDemandController.Decision::action).containsExactly("none");
        assertThat(calls).hasSize(2);
        List<ProviderEvent> decisions = events.history(e -> e instanceof ProviderEvent.ProviderMessage m && m.type().equals("daemon.on-demand"));
        assertThat(decisions).hasSize(2);
        assertThat(((ProviderEvent.ProviderMessage) decisions.getFirst()).attributes())
                .containsEntry("profile", "vpn").containsEntry("action", "connect").containsEntry("rule", "2").containsEntry("trigger", "network");
    }

    @Test
    void aDnsQueryForAListedDomainConnectsAnEvaluateConnectionProfile() throws Exception {
        sup.apply(Profiles.set(Profiles.of("corp", """
                tunnel: { provider: echo }
                on-demand:
                  - action: evaluate-connection
                    interface-type: wifi
                    domains:
                      - { domains: [public.corp.example], action: never-connect }
                      - { domains: [corp.example], action: connect-if-needed, probe-url: "http://intranet.corp.example/ping" }
                      - { domains: [wiki.example], action: connect-if-needed }
                """)));
        od.networkChanged(HOME).get(10, TimeUnit.SECONDS);
        assertThat(calls).as("evaluate-connection waits for a query").isEmpty();

        assertThat(get(od.evaluateQuery("www.example.org"))).isEmpty();
        assertThat(get(od.evaluateQuery("www.public.corp.example"))).isEmpty(); // never-connect comes first
        assertThat(calls).isEmpty();

        reachable.add(URI.create("http://intranet.corp.example/ping")); // reachable without the tunnel: stay down
        assertThat(get(od.evaluateQuery("git.corp.example"))).extracting(OnDemandController.Decision::action)
                .containsExactly("none (probe reachable)");
        assertThat(calls).isEmpty();
        reachable.clear();

        od.onDnsQuery("Git.Corp.Example."); // the DNS layer's call: returns at once
        assertThat(get(od.reevaluate("sync"))).isNotNull(); // runs after the query on the one worker
        assertThat(calls).containsExactly("start corp");
        assertThat(probed).hasSize(2);
        var msg = (ProviderEvent.ProviderMessage) events.history(e -> e instanceof ProviderEvent.ProviderMessage m
                && m.type().equals("daemon.on-demand")).getLast();
        assertThat(msg.attributes()).containsEntry("trigger", "dns query").containsEntry("name", "git.corp.example")
                .containsEntry("rule_kind", "EvaluateConnection");

        // on another network the evaluate-connection rule does not match, so no query decides anything
        od.networkChanged(OFFICE).get(10, TimeUnit.SECONDS);
        assertThat(get(od.evaluateQuery("wiki.example"))).isEmpty();
    }
}
