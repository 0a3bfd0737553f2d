package dev.netext.testkit.dns;

import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.testkit.netns.NetnsTest;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The raw-flow entry point with real peers: {@code kdig} asks netext over UDP and over TCP (two pipelined questions on
 * one connection), and a provider that claims every flow relays the messages verbatim to dnsmasq in another
 * namespace.
 *
 * <pre>
 *   host (netext on 127.0.0.1, kdig) ──veth── corp (dnsmasq 10.53.7.2)
 * </pre>
 */
class RawDnsFlowIntegrationTest {

    @NetnsTest
    void kdigOverUdpAndTcpThroughARawRelayToDnsmasq(NetnsLab lab) throws Exception {
        NetworkNamespace host = lab.namespace("rawhost");
        NetworkNamespace corp = lab.namespace("rawcorp");
        lab.veth("rawhost", "to-corp", "10.53.7.1/24", "rawcorp", "corp0", "10.53.7.2/24");
        corp.exec("dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
                "--listen-address=10.53.7.2", "--port=53", "--user=root", "--pid-file=", "--local-ttl=60",
                "--host-record=db.corp.test,10.1.2.4", "--host-record=www.corp.test,10.1.2.5");
        awaitServing(host, "10.53.7.2");

        RawRelayProvider relay = new RawRelayProvider("corp", f -> true);
        try (DnsHarness h = host.runInside(() -> DnsHarness.builder(relay).group("corp", "10.53.7.2").start())) {
            String port = Integer.toString(h.udpAddress().getPort());
            ExecResult udp = host.run(Duration.ofSeconds(10), "kdig", "@127.0.0.1", "-p", port, "+notcp", "db.corp.test", "A");
            assertThat(udp.output()).contains("status: NOERROR").contains("10.1.2.4").contains("(UDP)");

            ExecResult tcp = host.run(Duration.ofSeconds(10), "kdig", "@127.0.0.1", "-p", port, "+tcp", "+keepopen",
                    "db.corp.test", "A", "www.corp.test", "A");
            assertThat(tcp.output()).contains("10.1.2.4").contains("10.1.2.5").contains("(TCP)").doesNotContain("10.99.99.99");

            assertThat(relay.served).extracting(f -> f.protocol()).contains(TransportProtocol.UDP, TransportProtocol.TCP);
            // kdig +keepopen asks both questions on one connection: one TCP flow
            assertThat(relay.served.stream().filter(f -> f.protocol() == TransportProtocol.TCP)).hasSize(1);
            assertThat(relay.relayed).hasValue(3);
            assertThat(h.events()).isEmpty();
        }
    }

    private static void awaitServing(NetworkNamespace ns, String address) throws Exception {
        for (int i = 0; i < 50; i++) {
            ExecResult r = ns.run(Duration.ofSeconds(5), "dig", "@" + address, "+time=1", "+tries=1", "probe.invalid");
            if (r.output().contains("status")) return;
            Thread.sleep(100);
        }
        throw new IllegalStateException(address + " did not start serving");
    }
}
