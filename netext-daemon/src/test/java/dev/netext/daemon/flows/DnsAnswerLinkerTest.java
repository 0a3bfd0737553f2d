package dev.netext.daemon.flows;

import dev.netext.api.ProviderEvent;
import dev.netext.api.dns.DnsClass;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.dns.DnsTransport;
import dev.netext.api.dns.DnsType;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.daemon.events.EventLog;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class DnsAnswerLinkerTest {
    private final EventLog log = new EventLog();
    private final FlowServices services = FlowServices.on(log);

    private void answer(long dnsFlow, String name) {
        DnsQuery q = new DnsQuery(dnsFlow, name, DnsType.A, DnsClass.IN, Optional.empty(), Endpoint.parse("127.0.0.1:5000"),
                ProcessInfo.UNKNOWN, DnsTransport.UDP);
        log.publish((s, t) -> new ProviderEvent.DnsQueried(s, t, "corp", q, new DnsDecision.Forward("corp"), 0, 1, 1000,
                "*→corp", "udp://10.0.0.53:53", false));
    }

    @Test
    void aFlowNamedByADnsAnswerIsPrecededByALinkToThatAnswer() {
        answer(1, "a.test");
        long dnsSeq = log.lastSequence();
        // the DNS map knows 10.0.0.2 as a.test
        DnsAnswerLinker linker = new DnsAnswerLinker(log, a -> a.getHostAddress().equals("10.0.0.2") ? List.of("a.test") : List.of(),
                services.dnsAnswers());
        linker.accept(new ProviderEvent.FlowOpened(0, System.nanoTime(), "corp", TestFlows.flow(2, "a.test")));
        List<ProviderEvent> flow2 = log.history(EventLog.flow(2));
        assertThat(flow2).hasSize(2);
        var link = (ProviderEvent.ProviderMessage) flow2.get(0);
        assertThat(link.type()).isEqualTo(DnsAnswerLinker.MESSAGE_TYPE);
        assertThat(link.attributes()).containsEntry("dns_seq", Long.toString(dnsSeq)).containsEntry("dns_flow", "1")
                .containsEntry("name", "a.test").containsEntry("server", "udp://10.0.0.53:53");
        assertThat(flow2.get(1)).isInstanceOf(ProviderEvent.FlowOpened.class);
        assertThat(flow2.get(1).sequence()).isEqualTo(link.sequence() + 1);
        assertThat(services.table().get(2).dnsSequence()).isEqualTo(link.sequence());
    }

    @Test
    void noLinkWhenTheMapDoesNotNameTheAddressOrNoAnswerIsKnown() {
        answer(1, "a.test");
        DnsAnswerLinker unmapped = new DnsAnswerLinker(log, a -> List.of(), services.dnsAnswers());
        unmapped.accept(new ProviderEvent.FlowOpened(0, System.nanoTime(), "corp", TestFlows.flow(2, "a.test")));
        DnsAnswerLinker noAnswer = new DnsAnswerLinker(log, a -> List.of("b.test"), services.dnsAnswers());
        noAnswer.accept(new ProviderEvent.FlowOpened(0, System.nanoTime(), "corp", TestFlows.flow(3, "b.test")));
        new DnsAnswerLinker(log, a -> List.of("a.test"), services.dnsAnswers())
                .accept(new ProviderEvent.FlowOpened(0, System.nanoTime(), "corp", TestFlows.flow(4, null)));
        assertThat(log.history(EventLog.flow(2))).singleElement().isInstanceOf(ProviderEvent.FlowOpened.class);
        assertThat(log.history(EventLog.flow(3))).singleElement().isInstanceOf(ProviderEvent.FlowOpened.class);
        assertThat(log.history(EventLog.flow(4))).singleElement().isInstanceOf(ProviderEvent.FlowOpened.class);
    }

    @Test
    void dnsNamesReadsEveryRegisteredMap() throws Exception {
        var m1 = new dev.netext.dns.names.AddressNameMap(16, System::nanoTime);
        var m2 = new dev.netext.dns.names.AddressNameMap(16, System::nanoTime);
        byte[] a = {10, 0, 0, 2};
        m1.record(a, "one.test", 60);
        m2.record(a, "two.test", 60);
        DnsNames names = services.dnsNames();
        names.add(m1);
        assertThat(names.namesOf(InetAddress.getByAddress(a))).containsExactly("one.test");
        names.add(m2);
        assertThat(names.namesOf(InetAddress.getByAddress(a))).containsExactlyInAnyOrder("one.test", "two.test");
        names.remove(m1);
        names.remove(m2);
        assertThat(names.namesOf(InetAddress.getByAddress(a))).isEmpty();
    }
}
