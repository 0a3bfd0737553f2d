package dev.netext.flow.naming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.HostnameInfo.Source;
import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.diag.ProcessAttributor;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.sys.HostPackages;
import dev.netext.wire.peek.PeekVectors;
import dev.netext.wire.quic.CryptoReassembler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Naming real flows from real clients in a lab namespace, the way the flow layer will: a listener (standing in for
 * the TPROXY socket) attributes the client's process as soon as the flow arrives and names it from the first bytes,
 * before any answer goes back. {@code curl --resolve} connects by address and says the name only in its SNI or Host;
 * {@code nc} sends bytes no peeker knows, named from the DNS map; {@code nc -u} sends the RFC 9001 QUIC Initial.
 */
class FlowNamingIntegrationTest {
    private static final InetAddress LOOPBACK = address("127.0.0.1");
    private NetnsLab lab;
    private NetworkNamespace ns;
    private ProcessAttributor attributor;
    private final FlowNamer namer = new FlowNamer(a -> a.equals(LOOPBACK) ? List.of("mapped.example.test") : List.of());

    record Named(FlowName name, ProcessInfo process) {}

    private static InetAddress address(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(Files.readString(Path.of("/proc/self/status")).lines()
                .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0")), "needs root (namespaces)");
        HostPackages.require("curl", "nc"); // a missing peer fails the test, naming its package
        lab = NetnsLab.create();
        ns = lab.namespace("naming");
        attributor = ns.runInside(ProcessAttributor::open);
    }

    @AfterEach
    void tearDown() {
        if (attributor != null) attributor.close();
        if (lab != null) lab.close();
    }

    /** Accepts one connection, attributes it at once, reads until the namer settles (or 3 s), closes. */
    private Named nameOneTcpFlow(ServerSocketChannel server) throws Exception {
        try (SocketChannel c = server.accept()) {
            InetSocketAddress client = (InetSocketAddress) c.getRemoteAddress();
            InetSocketAddress original = (InetSocketAddress) c.getLocalAddress(); // TPROXY: the original destination
            ProcessInfo process = attributor.attribute(TransportProtocol.TCP, client, original);
            ByteBuffer prefix = ByteBuffer.allocate(16 * 1024);
            c.socket().setSoTimeout(3_000);
            var in = c.socket().getInputStream();
            FlowName name = namer.nameTcp(original.getAddress(), prefix, 0, 0);
            while (!name.settled() && prefix.hasRemaining()) {
                int n = in.read(prefix.array(), prefix.position(), prefix.remaining());
                if (n < 0) break;
                prefix.position(prefix.position() + n);
                name = namer.nameTcp(original.getAddress(), prefix, 0, prefix.position());
            }
            return new Named(name, process);
        }
    }

    private static void assertCurl(ProcessInfo p, Process launched) throws IOException {
        assertThat(p.pid()).hasValue((int) launched.pid());
        assertThat(p.executable()).contains(Path.of("/usr/bin/curl").toRealPath());
        assertThat(p.uid()).hasValue(0L);
        assertThat(p.commandLine()).first().isEqualTo("curl");
        String cgroup = Files.readString(Path.of("/proc/self/cgroup")).lines().filter(l -> l.startsWith("0::"))
                .map(l -> l.substring(3)).findFirst().orElse(null);
        if (cgroup != null) assertThat(p.cgroupPath()).contains(cgroup);
    }

    @Test
    void curlHttpsByAddressIsNamedBySniAndAttributedToCurl() throws Exception {
        try (ServerSocketChannel server = ns.runInside(() -> ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0)))) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            Process curl = ns.exec("curl", "-sk", "--max-time", "5", "--resolve", "x.blocked.test:" + port + ":127.0.0.1",
                    "https://x.blocked.test:" + port + "/");
            Named n = nameOneTcpFlow(server);
            curl.waitFor(10, TimeUnit.SECONDS);
            assertThat(n.name().hostname()).contains(new HostnameInfo("x.blocked.test", Source.TLS_SNI));
            assertThat(n.name().protocol()).isEqualTo(FlowName.Protocol.TLS);
            assertCurl(n.process(), curl);
        }
    }

    @Test
    void curlHttpIsNamedByHost() throws Exception {
        try (ServerSocketChannel server = ns.runInside(() -> ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0)))) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            Process curl = ns.exec("curl", "-s", "--max-time", "5", "--resolve", "plain.example.test:" + port + ":127.0.0.1",
                    "http://plain.example.test:" + port + "/");
            Named n = nameOneTcpFlow(server);
            curl.waitFor(10, TimeUnit.SECONDS);
            assertThat(n.name().hostname()).contains(new HostnameInfo("plain.example.test", Source.HTTP_HOST));
            assertCurl(n.process(), curl);
        }
    }

    @Test
    void unknownBytesAreNamedFromTheDnsMap() throws Exception {
        try (ServerSocketChannel server = ns.runInside(() -> ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0)))) {
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            Process nc = ns.exec("nc", "-N", "127.0.0.1", Integer.toString(port));
            try (var out = nc.getOutputStream()) {
                out.write("SSH-2.0-OpenSSH_9.2p1\r\n".getBytes());
            }
            Named n = nameOneTcpFlow(server);
            nc.waitFor(10, TimeUnit.SECONDS);
            assertThat(n.name().hostname()).contains(new HostnameInfo("mapped.example.test", Source.DNS_MAP));
            assertThat(n.process().pid()).hasValue((int) nc.pid());
            assertThat(n.process().executable()).contains(Path.of("/usr/bin/nc").toRealPath());
        }
    }

    @Test
    void quicInitialOverUdpIsNamedBySniAndAttributedToTheSender() throws Exception {
        Path initial = Files.createTempFile("netext-quic-initial", ".bin");
        try (DatagramChannel server = ns.runInside(() -> DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0)))) {
            Files.write(initial, PeekVectors.load("rfc9001-a2-client-initial.hex"));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            // nc keeps its connected UDP socket open for a second after stdin ends (-w1), long enough to be found
            Process nc = ns.command("nc", "-u", "-w1", "127.0.0.1", Integer.toString(port))
                    .redirectInput(initial.toFile()).redirectErrorStream(true).start();
            try {
                ByteBuffer datagram = ByteBuffer.allocate(65_536);
                InetSocketAddress from = (InetSocketAddress) server.receive(datagram);
                ProcessInfo process = attributor.attribute(TransportProtocol.UDP, from,
                        (InetSocketAddress) server.getLocalAddress());
                FlowName name = namer.nameUdp(LOOPBACK, datagram, 0, datagram.position(), new CryptoReassembler());
                assertThat(datagram.position()).isEqualTo(1200);
                assertThat(name.hostname()).contains(new HostnameInfo("example.com", Source.QUIC_SNI));
                assertThat(name.protocol()).isEqualTo(FlowName.Protocol.QUIC);
                assertThat(process.pid()).hasValue((int) nc.pid());
                assertThat(process.executable()).contains(Path.of("/usr/bin/nc").toRealPath());
            } finally {
                nc.waitFor(5, TimeUnit.SECONDS);
                nc.destroy();
            }
        } finally {
            Files.deleteIfExists(initial);
        }
    }
}
