package dev.netext.daemon.server;

import dev.netext.api.ProviderStatus;
import dev.netext.daemon.kafka.KafkaEventExporter;
import dev.netext.daemon.metrics.PrometheusText;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The daemon's {@code /metrics}: profiles, tunnels' traffic and status, provider failures and restarts, events. */
final class DaemonMetrics {
    private final Daemon daemon;

    DaemonMetrics(Daemon daemon) {
        this.daemon = daemon;
    }

    String scrape() {
        PrometheusText m = new PrometheusText();
        List<ProfileState> profiles = daemon.supervisor().status();

        m.family("netext_profile_active", "gauge", "1 when the profile is meant to run (enabled, on-demand connect, or netext up)");
        for (ProfileState p : profiles) m.sample("netext_profile_active", p.active() ? 1 : 0, "profile", p.name());

        m.family("netext_tunnel_status", "gauge", "1 for the tunnel's current connection state, 0 for the others");
        for (ProfileState p : profiles) for (ComponentStatus c : tunnels(p)) for (ProviderStatus s : ProviderStatus.values())
            m.sample("netext_tunnel_status", c.status() == s ? 1 : 0, "profile", p.name(), "status", s.name().toLowerCase(Locale.ROOT));

        counter(m, profiles, "netext_tunnel_bytes_total", "bytes", "Bytes through the tunnel; in = routed into it, out = written back by the provider");
        counter(m, profiles, "netext_tunnel_packets_total", "packets", "Packets through the tunnel; in = routed into it, out = written back by the provider");

        Map<String, Long> restarts = daemon.counters().restartsByProvider();
        Map<String, Long> failures = daemon.counters().failuresByProvider();
        m.family("netext_provider_restarts_total", "counter", "Times the daemon restarted a failed provider");
        for (ProfileState p : profiles) m.sample("netext_provider_restarts_total", restarts.getOrDefault(p.name(), 0L), "profile", p.name());
        m.family("netext_provider_failures_total", "counter", "Provider failures (start threw, a loop threw, cancelled itself)");
        for (ProfileState p : profiles) m.sample("netext_provider_failures_total", failures.getOrDefault(p.name(), 0L), "profile", p.name());

        m.family("netext_events_total", "counter", "Events written to the event log, by type");
        daemon.counters().byType().forEach((type, n) -> m.sample("netext_events_total", n, "type", type));
        m.family("netext_event_subscribers", "gauge", "Live readers of the event log (events --follow, exporters)");
        m.sample("netext_event_subscribers", daemon.events().subscriberCount());
        KafkaEventExporter kafka = daemon.kafkaExporter();
        if (kafka != null) {
            m.family("netext_kafka_events_exported_total", "counter", "Events the Kafka broker acknowledged");
            m.sample("netext_kafka_events_exported_total", kafka.exported());
            m.family("netext_kafka_events_lost_total", "counter", "Events never delivered to Kafka (broker slow or away; reported in Gap records)");
            m.sample("netext_kafka_events_lost_total", kafka.lost());
        }
        m.family("netext_daemon_uptime_seconds", "gauge", "Seconds since the daemon started");
        m.sample("netext_daemon_uptime_seconds", daemon.uptime().toMillis() / 1000.0);
        return m.toString();
    }

    private static List<ComponentStatus> tunnels(ProfileState p) {
        return p.components().stream().filter(c -> c.kind().equals("tunnel")).toList();
    }

    private static void counter(PrometheusText m, List<ProfileState> profiles, String name, String unit, String help) {
        m.family(name, "counter", help);
        for (ProfileState p : profiles) for (ComponentStatus c : tunnels(p)) {
            m.sample(name, c.counters().getOrDefault(unit + "_in", 0L), "profile", p.name(), "direction", "in");
            m.sample(name, c.counters().getOrDefault(unit + "_out", 0L), "profile", p.name(), "direction", "out");
        }
    }
}
