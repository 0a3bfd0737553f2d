package dev.netext.flow.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netext.api.flow.Endpoint;
import dev.netext.lab.peers.Danted;
import dev.netext.flow.engine.EngineFixture;
import dev.netext.lab.traffic.PeerEcho;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.linux.sys.HostPackages;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The UDP ASSOCIATE client against a real SOCKS5 server, Debian's dante ({@code danted}; microsocks has no UDP).
 * Namespaces: {@code client} (this JVM's event loop), {@code socks} (danted: 10.79.1.2:1080 toward the client,
 * 10.79.2.1 toward the origin), {@code origin} (a Python UDP echo server that answers with the peer it saw). The
 * client has no route to the origin: only the relay can carry the datagrams, and the echo names dante's address.
 */
class Socks5UdpAssociationIntegrationTest {
    private static NetnsLab lab;
    private static NetworkNamespace client, socks, origin;
    private static EventLoopGroup group;
    private static EventLoop loop;
    private static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        EngineFixture.assumeRoot();
        HostPackages.require("danted", "python3"); // a missing peer fails the test, naming its package
        lab = NetnsLab.create();
        client = lab.namespace("client");
        socks = lab.namespace("socks");
        origin = lab.namespace("origin");
        lab.veth(VethEnd.of("client", "cs0", "10.79.1.1/24"), VethEnd.of("socks", "sc0", "10.79.1.2/24"));
        lab.veth(VethEnd.of("socks", "so0", "10.79.2.1/24"), VethEnd.of("origin", "os0", "10.79.2.2/24"));
        dir = Files.createTempDirectory("netext-socks-udp-it");
        Danted.start(socks, dir, "10.79.1.2", "10.79.2.1", "10.79.1.0/24");
        PeerEcho.start(origin, "10.79.2.2", "echo to {peer}:{peer_port}: ", 7777);
        group = client.runInside(() -> {
            MultiThreadIoEventLoopGroup g = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            g.submit(() -> { }).sync(); // the loop's thread starts here, inside the client namespace
            return g;
        });
        loop = group.next();
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        } finally {
            if (lab != null) lab.close();
            EngineFixture.deleteTree(dir);
        }
    }

    @Test
    void datagramsGoThroughDantesRelayBothWays() throws Exception {
        BlockingQueue<Socks5UdpDatagram> received = new LinkedBlockingQueue<>();
        Socks5UdpAssociation a = Socks5UdpAssociation.open(loop, Endpoint.parse("10.79.1.2:1080"), Optional.empty(),
                0x4e580f02, Duration.ofSeconds(5), d -> received.add(new Socks5UdpDatagram(d.address(),
                        ByteBuffer.wrap(copy(d.payload()))))).get(10, TimeUnit.SECONDS);
        try {
            assertThat(a.relay().getAddress().getHostAddress()).isEqualTo("10.79.1.2");
            for (int i = 0; i < 3; i++) {
                Socks5UdpDatagram reply = null;
                // UDP: a lost datagram is retried, a wrong answer is not
                for (int attempt = 0; attempt < 5 && reply == null; attempt++) {
                    a.send(Socks5Address.of(Endpoint.parse("10.79.2.2:7777")),
                            ByteBuffer.wrap(("ping " + i).getBytes(StandardCharsets.US_ASCII))).sync();
                    reply = received.poll(1, TimeUnit.SECONDS);
                }
                assertThat(reply).as("reply " + i + "; dante log:\n" + Files.readString(dir.resolve("danted.log"))).isNotNull();
                assertThat(reply.address()).isEqualTo(Socks5Address.of(Endpoint.parse("10.79.2.2:7777")));
                String text = StandardCharsets.US_ASCII.decode(reply.payload()).toString();
                // the origin saw dante's external address, not the client's (which it cannot even route to)
                assertThat(text).startsWith("echo to 10.79.2.1:").endsWith(": ping " + i);
            }
        } finally {
            a.close();
        }
        assertThat(a.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(a.isOpen()).isFalse();
    }

    @Test
    void aBatchOfLargeDatagramsComesBackWhole() throws Exception {
        // larger than Netty's 2 KiB datagram default, which cut them silently before the relay socket read in batches
        BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        AtomicInteger batchEnds = new AtomicInteger();
        Socks5UdpAssociation a = Socks5UdpAssociation.open(loop, Endpoint.parse("10.79.1.2:1080"), Optional.empty(),
                0x4e580f02, Duration.ofSeconds(5), d -> received.add(copy(d.payload())), batchEnds::incrementAndGet)
                .get(10, TimeUnit.SECONDS);
        try {
            Set<Integer> whole = new HashSet<>(); // which of the 3 came back with all 6000 bytes behind the echo prefix
            for (int attempt = 0; attempt < 5 && whole.size() < 3; attempt++) {
                loop.submit(() -> {
                    for (int i = 0; i < 3; i++)
                        a.write(Socks5Address.of(Endpoint.parse("10.79.2.2:7777")), ByteBuffer.wrap(large(i)));
                    a.flush();
                }).sync();
                byte[] reply;
                while ((reply = received.poll(1, TimeUnit.SECONDS)) != null) {
                    String text = new String(reply, StandardCharsets.ISO_8859_1);
                    assertThat(text).startsWith("echo to 10.79.2.1:");
                    for (int i = 0; i < 3; i++)
                        if (text.endsWith(": " + new String(large(i), StandardCharsets.ISO_8859_1))) whole.add(i);
                }
            }
            assertThat(whole).as("6000-byte datagrams echoed whole").containsExactlyInAnyOrder(0, 1, 2);
            assertThat(batchEnds.get()).isPositive();
        } finally {
            a.close();
        }
    }

    private static byte[] large(int i) {
        byte[] b = new byte[6000];
        java.util.Arrays.fill(b, (byte) ('a' + i));
        return b;
    }

    @Test
    void aServerThatIsNotThereFailsTheOpen() {
        assertThatThrownBy(() -> Socks5UdpAssociation.open(loop, Endpoint.parse("10.79.1.2:1081"), Optional.empty(), 0,
                Duration.ofSeconds(3), d -> { }).get(10, TimeUnit.SECONDS)).hasMessageContaining("refused");
    }

    private static byte[] copy(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
