package dev.netext.cli;

import dev.netext.api.dns.DnsClass;
import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.dns.DnsRecord;
import dev.netext.api.dns.DnsTransport;
import dev.netext.api.dns.DnsType;
import dev.netext.api.flow.Endpoint;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code dns serve --blocklist-action}: NXDOMAIN by default; sinkhole is 0.0.0.0 / :: for A / AAAA, NODATA otherwise. */
class BlocklistActionTest {
    @Test
    void actions() throws Exception {
        assertThat(DnsCommand.Serve.listDecision("nxdomain")).isEqualTo(DnsDecision.nxdomain());
        assertThat(DnsCommand.Serve.listDecision(" Refused ")).isEqualTo(DnsDecision.refused());
        DnsDecision.BlockKind.Sinkhole sink = (DnsDecision.BlockKind.Sinkhole) ((DnsDecision.Block) DnsCommand.Serve.listDecision("sinkhole")).kind();
        assertThat(sink.answerFor(query(DnsType.A))).extracting(DnsRecord::rdata).containsExactly(InetAddress.getByName("0.0.0.0").getAddress());
        assertThat(sink.answerFor(query(DnsType.AAAA))).extracting(DnsRecord::rdata).containsExactly(InetAddress.getByName("::").getAddress());
        assertThat(sink.answerFor(query(DnsType.TXT))).isEmpty();
        assertThatThrownBy(() -> DnsCommand.Serve.listDecision("drop")).isInstanceOf(UserError.class)
                .hasMessageContaining("--blocklist-action 'drop': expected nxdomain, refused or sinkhole");
    }

    private static DnsQuery query(DnsType type) {
        return new DnsQuery(1, "ads.example", type, DnsClass.IN, Optional.empty(), Endpoint.parse("127.0.0.1:5000"), null, DnsTransport.UDP);
    }

}
