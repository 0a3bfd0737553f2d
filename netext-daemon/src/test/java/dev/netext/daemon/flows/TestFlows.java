package dev.netext.daemon.flows;

import dev.netext.api.ProviderEvent;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.daemon.events.EventLog;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** Flow events as a flow engine publishes them, into a real {@link EventLog}. */
public final class TestFlows {
    private TestFlows() {}

    public static TcpFlow flow(long id, String host) {
        ProcessInfo curl = ProcessInfo.builder().pid(4242).executable(Path.of("/usr/bin/curl")).uid(0).build();
        return new TcpFlow(id, Direction.OUTBOUND, Endpoint.parse("10.0.0.1:40000"), Endpoint.parse("10.0.0.2:8080"), curl,
                Optional.ofNullable(host).map(h -> new HostnameInfo(h, HostnameInfo.Source.HTTP_HOST)), Optional.empty(), Instant.now());
    }

    public static void open(EventLog log, String profile, TcpFlow f) {
        log.publish((s, t) -> new ProviderEvent.FlowOpened(s, t, profile, f));
    }

    public static void prompt(EventLog log, String profile, long id, Duration timeout) {
        log.publish((s, t) -> new ProviderEvent.ProviderMessage(s, t, profile, id, "filter.prompt", Map.of("host", "x")));
        log.publish((s, t) -> new ProviderEvent.FlowVerdict(s, t, profile, id, new FilterVerdict.Pause(timeout, FinalVerdict.DROP), 1000));
    }

    public static void verdict(EventLog log, String profile, long id, FinalVerdict v) {
        log.publish((s, t) -> new ProviderEvent.FlowVerdict(s, t, profile, id, v, 1000));
    }

    public static void close(EventLog log, String profile, long id, long in, long out) {
        log.publish((s, t) -> new ProviderEvent.FlowClosed(s, t, profile, id, in, out));
    }
}
