package dev.netext.testkit.dns;

import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsFlow;
import dev.netext.api.dns.DnsFlowHandler;
import dev.netext.api.dns.DnsMessage;
import dev.netext.api.dns.DnsProxyContext;
import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.dns.DnsRecord;
import dev.netext.api.flow.Flow;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.StopReason;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A raw-flow provider as an NE DNS proxy author writes one: it claims the flows {@code claim} accepts and relays each
 * message verbatim to a server group ({@link DnsProxyContext#exchange}), writing the answer back on the flow. Flows it
 * leaves get a typed answer of {@link #TYPED_ANSWER}, so a test sees which path answered.
 */
final class RawRelayProvider implements DnsProxyProvider, DnsFlowHandler {
    static final String TYPED_ANSWER = "10.99.99.99";

    final List<Flow> offered = new CopyOnWriteArrayList<>();
    final List<Flow> served = new CopyOnWriteArrayList<>();
    final AtomicInteger relayed = new AtomicInteger();
    private final String group;
    private final Predicate<Flow> claim;
    private volatile DnsProxyContext context;

    RawRelayProvider(String group, Predicate<Flow> claim) {
        this.group = group;
        this.claim = claim;
    }

    @Override public void startProxy(DnsProxyContext context, Map<String, Object> options) { this.context = context; }

    @Override public void stopProxy(StopReason reason) {}

    @Override
    public DnsDecision handleQuery(DnsQuery query) {
        return DnsDecision.answer(DnsRecord.a(query.name(), 30, (Inet4Address) IpPrefix.parseAddress(TYPED_ANSWER)));
    }

    @Override
    public boolean handleNewFlow(Flow flow) {
        offered.add(flow);
        return claim.test(flow);
    }

    @Override
    public void handleFlow(DnsFlow flow) throws Exception {
        served.add(flow.flow());
        for (Optional<DnsMessage> m; (m = flow.readMessage()).isPresent(); ) {
            ByteBuffer answer = context.exchange(group, m.get().bytes(), Duration.ofSeconds(3));
            relayed.incrementAndGet(); // before the write: the client may assert on it as soon as the answer arrives
            flow.writeMessage(new DnsMessage(answer, m.get().client()));
        }
    }
}
