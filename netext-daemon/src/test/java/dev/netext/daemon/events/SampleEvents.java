package dev.netext.daemon.events;

import dev.netext.api.ProviderEvent;
import dev.netext.api.ProviderStatus;
import dev.netext.api.dns.DnsClass;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.dns.DnsRecord;
import dev.netext.api.dns.DnsTransport;
import dev.netext.api.dns.DnsType;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.filter.PacketVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TcpFlow;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One of every event type, as stamps for an {@link EventLog}: a curl's life (DNS → open → verdict → close) and more. */
public final class SampleEvents {
    private SampleEvents() {}

    public static final long FLOW = 42;

    public static List<EventStamp> all() throws Exception {
        ProcessInfo curl = ProcessInfo.builder().pid(4242).executable(Path.of("/usr/bin/curl")).uid(1000).build();
        Endpoint local = new Endpoint(InetAddress.getByName("fd00::2"), 40000);
        Endpoint remote = new Endpoint(InetAddress.getByName("fd00::5"), 443);
        TcpFlow flow = new TcpFlow(FLOW, Direction.OUTBOUND, local, remote, curl,
                Optional.of(new HostnameInfo("www.corp.example", HostnameInfo.Source.DNS_MAP)), Optional.of("eth0"),
                Instant.parse("2025-01-01T00:00:00Z"));
        DnsQuery q = new DnsQuery(7, "WWW.corp.example.", DnsType.AAAA, DnsClass.IN, Optional.empty(),
                new Endpoint(InetAddress.getByName("127.0.0.1"), 5353), curl, DnsTransport.UDP);
        DnsRecord answer = DnsRecord.a("www.corp.example", 60, (Inet4Address) InetAddress.getByName("10.9.9.9"));
        return List.of(
                (s, t) -> new ProviderEvent.StatusChanged(s, t, "corp", ProviderStatus.DISCONNECTED, ProviderStatus.CONNECTING),
                (s, t) -> new ProviderEvent.DnsQueried(s, t, "dns", q, DnsDecision.answer(answer), 0, 1, 12_000),
                (s, t) -> new ProviderEvent.FlowOpened(s, t, "filter", flow),
                (s, t) -> new ProviderEvent.FlowVerdict(s, t, "filter", FLOW, FinalVerdict.ALLOW, 3_000),
                (s, t) -> new ProviderEvent.PacketDecided(s, t, "pf", FLOW, Direction.INBOUND, 1280, PacketVerdict.DROP),
                (s, t) -> new ProviderEvent.PacketDecided(s, t, "pf", ProviderEvent.NO_FLOW, Direction.OUTBOUND, 60, PacketVerdict.DROP),
                (s, t) -> new ProviderEvent.FlowClosed(s, t, "filter", FLOW, 5120, 777),
                (s, t) -> new ProviderEvent.TunnelBytes(s, t, "corp", 1, 2, 3, 4),
                (s, t) -> new ProviderEvent.ProviderFailed(s, t, "corp", "IllegalStateException", "boom", true),
                (s, t) -> new ProviderEvent.ProviderRestarted(s, t, "corp", 1),
                (s, t) -> new ProviderEvent.MemoryBudgetExceeded(s, t, "dns", ProviderEvent.MemoryLimit.SOFT, 15 << 20, 16 << 20),
                (s, t) -> new ProviderEvent.ProviderMessage(s, t, "netextd", ProviderEvent.NO_FLOW, "daemon.reload",
                        Map.of("started", "corp", "stopped", "")),
                (s, t) -> new ProviderEvent.ProviderMessage(s, t, "corp", FLOW, "backend.handshake", Map.of()),
                (s, t) -> new ProviderEvent.DnsQueried(s, t, "dns", q, DnsDecision.forward("corp"), 0, 1, 12_000,
                        "foo.mycompany.com→corp", "tls://dns.example@192.0.2.9:853", true));
    }
}
