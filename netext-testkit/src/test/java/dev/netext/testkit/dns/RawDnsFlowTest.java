package dev.netext.testkit.dns;

import dev.netext.api.dns.DnsRecord;
import dev.netext.api.dns.DnsType;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.net.IpPrefix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The raw-flow entry point on the real host, in-JVM: a provider that claims flows relays whole messages itself; one
 * that declines leaves them to the typed path; a UDP flow is one client socket, a TCP flow one connection.
 */
class RawDnsFlowTest {
    ScriptedUpstream corp;

    @BeforeEach
    void upstream() throws Exception {
        corp = ScriptedUpstream.start("corp.test")
                .add(DnsRecord.a("db.corp.test", 300, (Inet4Address) IpPrefix.parseAddress("10.0.0.5")))
                .add(DnsRecord.a("www.corp.test", 300, (Inet4Address) IpPrefix.parseAddress("10.0.0.6")));
    }

    @AfterEach
    void stop() { corp.close(); }

    @Test
    void claimedUdpAndTcpFlowsAreRelayedVerbatim() throws Exception {
        RawRelayProvider relay = new RawRelayProvider("corp", f -> true);
        try (DnsHarness h = DnsHarness.builder(relay).group("corp", corp).start()) {
            DnsReply udp = h.query(DnsCodec.QuerySpec.of(4711, "db.corp.test", DnsType.A));
            assertThat(udp.id()).isEqualTo(4711);
            assertThat(udp.addresses()).containsExactly("10.0.0.5");

            List<DnsReply> tcp = h.queryTcp(List.of(DnsCodec.QuerySpec.of(1, "db.corp.test", DnsType.A),
                    DnsCodec.QuerySpec.of(2, "www.corp.test", DnsType.A)));
            assertThat(tcp).extracting(DnsReply::id).containsExactlyInAnyOrder(1, 2);
            assertThat(tcp).flatExtracting(DnsReply::addresses).containsExactlyInAnyOrder("10.0.0.5", "10.0.0.6");

            assertThat(relay.served).extracting(f -> f.protocol()).containsExactly(TransportProtocol.UDP, TransportProtocol.TCP);
            assertThat(relay.served.get(1).remote()).isEqualTo(dev.netext.api.flow.Endpoint.of(h.tcpAddress()));
            assertThat(relay.relayed).hasValue(3);
            assertThat(h.events()).as("raw flows are the provider's: the host publishes no query events for them").isEmpty();
            assertThat(corp.seen()).hasSize(3);
        }
    }

    @Test
    void aUdpFlowIsOneClientSocketAndIsOfferedOnce() throws Exception {
        RawRelayProvider relay = new RawRelayProvider("corp", f -> true);
        try (DnsHarness h = DnsHarness.builder(relay).group("corp", corp).start();
             DatagramSocket client = new DatagramSocket(0, h.udpAddress().getAddress())) {
            client.setSoTimeout(3000);
            for (int id = 1; id <= 3; id++) {
                byte[] q = DnsCodec.query(DnsCodec.QuerySpec.of(id, "db.corp.test", DnsType.A));
                client.send(new DatagramPacket(q, q.length, h.udpAddress()));
                DatagramPacket p = new DatagramPacket(new byte[512], 512);
                client.receive(p);
                DnsReply r = DnsCodec.reply(java.util.Arrays.copyOf(p.getData(), p.getLength()));
                assertThat(r.id()).isEqualTo(id);
                assertThat(r.addresses()).containsExactly("10.0.0.5");
            }
            assertThat(relay.offered).hasSize(1);
            assertThat(relay.offered.getFirst().local().port()).isEqualTo(client.getLocalPort());
            // runts and garbage never reach the provider and never take the host down
            client.send(new DatagramPacket(new byte[3], 3, h.udpAddress()));
            assertThat(h.query("www.corp.test", DnsType.A).addresses()).containsExactly("10.0.0.6");
        }
    }

    @Test
    void randomDatagramsOnClaimedFlowsNeverHurtTheHost() throws Exception {
        // the provider relays whatever it is given; the group answers garbage with errors or not at all
        RawRelayProvider relay = new RawRelayProvider("corp", f -> true);
        java.util.Random random = new java.util.Random(20261128);
        List<byte[]> junk = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] d = new byte[random.nextInt(600)];
            random.nextBytes(d);
            junk.add(d);
        }
        try (DnsHarness h = DnsHarness.builder(relay).group("corp", corp).start()) {
            h.blastUdp(junk, java.time.Duration.ofMillis(300));
            assertThat(h.query("db.corp.test", DnsType.A).addresses()).containsExactly("10.0.0.5");
            assertThat(h.queryTcp(DnsCodec.QuerySpec.of(3, "www.corp.test", DnsType.A)).addresses()).containsExactly("10.0.0.6");
        }
    }

    @Test
    void declinedFlowsTakeTheTypedPath() throws Exception {
        RawRelayProvider relay = new RawRelayProvider("corp", f -> f.protocol() == TransportProtocol.TCP);
        try (DnsHarness h = DnsHarness.builder(relay).group("corp", corp).start()) {
            assertThat(h.query("db.corp.test", DnsType.A).addresses()).containsExactly(RawRelayProvider.TYPED_ANSWER);
            assertThat(h.events()).hasSize(1);
            assertThat(h.queryTcp(DnsCodec.QuerySpec.of(9, "db.corp.test", DnsType.A)).addresses()).containsExactly("10.0.0.5");
            assertThat(relay.offered).extracting(f -> f.protocol()).containsExactly(TransportProtocol.UDP, TransportProtocol.TCP);
            assertThat(relay.served).hasSize(1);
        }
    }
}
