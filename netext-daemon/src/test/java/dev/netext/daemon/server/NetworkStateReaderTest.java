package dev.netext.daemon.server;

import dev.netext.api.net.IpPrefix;
import dev.netext.linux.resolver.ResolvConf;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** On-demand rules see the network's resolvers and search domains, also while a tunnel's DNS has taken resolv.conf. */
class NetworkStateReaderTest {
    private static final String NETWORK = "nameserver 192.0.2.1\nsearch office.example\n";
    /** What the loopback host resolver writes while a tunnel's DNS is up (LoopbackHostDns.content). */
    private static final String NETEXTS = "# Written by netext\nnameserver 127.0.2.53\nsearch corp.example office.example\n";

    @TempDir
    Path dir;

    @Test
    void whileNetextHasTakenResolvConfTheKeptOriginalIsRead() throws Exception {
        Path conf = Files.writeString(dir.resolve("resolv.conf"), NETWORK);
        Path state = dir.resolve("state");
        NetworkStateReader reader = new NetworkStateReader(conf, state);
        try (StateLedger ledger = StateLedger.create(state, LedgerKind.RESOLVER)) {
            ResolvConf kept = ResolvConf.keep(conf, ledger);
            kept.write(NETEXTS.getBytes(StandardCharsets.US_ASCII));
            assertRead(reader, List.of("192.0.2.1"), List.of("office.example"));

            // a DHCP client rewrote the file meanwhile: that is the network's now
            Files.writeString(conf, "nameserver 198.51.100.9\nsearch cafe.example\n");
            assertRead(reader, List.of("198.51.100.9"), List.of("cafe.example"));
            kept.write(NETEXTS.getBytes(StandardCharsets.US_ASCII));
            assertRead(reader, List.of("192.0.2.1"), List.of("office.example"));
            Files.writeString(conf, NETWORK); // so that the restore below does not refuse
        }
        assertRead(reader, List.of("192.0.2.1"), List.of("office.example"));
    }

    @Test
    void aResolvConfNetextCreatedReadsAsNone() throws Exception {
        Path conf = dir.resolve("resolv.conf");
        Path state = dir.resolve("state");
        try (StateLedger ledger = StateLedger.create(state, LedgerKind.RESOLVER)) {
            ResolvConf kept = ResolvConf.keep(conf, ledger);
            kept.write(NETEXTS.getBytes(StandardCharsets.US_ASCII));
            assertRead(new NetworkStateReader(conf, state), List.of(), List.of());
            kept.restore();
        }
    }

    @Test
    void aDeadInstancesUnrecoveredLedgerStillNamesTheOriginal() throws Exception {
        Path conf = Files.writeString(dir.resolve("resolv.conf"), NETWORK);
        Path state = dir.resolve("state");
        // the ledger a kill -9ed instance left: kept copy and entry, never closed
        StateLedger ledger = StateLedger.create(state, LedgerKind.RESOLVER);
        ResolvConf.keep(conf, ledger).write(NETEXTS.getBytes(StandardCharsets.US_ASCII));
        assertRead(new NetworkStateReader(conf, state), List.of("192.0.2.1"), List.of("office.example"));
        ledger.close(); // (the temporary directory takes the kept copy)
    }

    private static void assertRead(NetworkStateReader reader, List<String> servers, List<String> search) {
        List<String> readSearch = new ArrayList<>();
        List<InetAddress> readServers = new ArrayList<>();
        reader.readResolvConf(readSearch, readServers);
        assertThat(readServers).map(IpPrefix::format).isEqualTo(servers);
        assertThat(readSearch).isEqualTo(search);
    }
}
