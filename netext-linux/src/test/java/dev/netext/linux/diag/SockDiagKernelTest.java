package dev.netext.linux.diag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.Root;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * sock_diag against the kernel, in a lab namespace: TCP and UDP, IPv4 and IPv6, connected and unconnected UDP, a
 * dual-stack socket found by its IPv4 tuple, and misses. The sockets belong to this JVM, so the attributed process
 * must be exactly this one: its pid, its java executable, its uid, its cgroup.
 */
class SockDiagKernelTest {
    private static NetnsLab lab;
    private static NetworkNamespace ns;
    private static ProcessAttributor attributor;

    @BeforeAll
    static void setUp() throws Exception {
        Root.assumeRoot();
        lab = NetnsLab.create();
        ns = lab.namespace("diag");
        ns.ip("addr", "add", "fd00:d1a9::1/64", "dev", "lo", "nodad");
        attributor = ns.runInside(ProcessAttributor::open);
    }

    @AfterAll
    static void tearDown() {
        if (attributor != null) attributor.close();
        if (lab != null) lab.close();
    }

    private static InetSocketAddress local(SocketChannel c) throws Exception {
        return (InetSocketAddress) c.getLocalAddress();
    }

    private static InetSocketAddress remote(SocketChannel c) throws Exception {
        return (InetSocketAddress) c.getRemoteAddress();
    }

    /** Asserts {@code p} is this JVM, seen through /proc independently of the code under test. */
    private static void assertThisProcess(ProcessInfo p) throws Exception {
        assertThat(p.pid()).hasValue((int) ProcessHandle.current().pid());
        assertThat(p.executable()).contains(Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath());
        assertThat(p.uid()).hasValue(0L);
        assertThat(p.gid()).hasValue(0L);
        String cgroup = Files.readString(Path.of("/proc/self/cgroup")).lines().filter(l -> l.startsWith("0::"))
                .map(l -> l.substring(3)).findFirst().orElse(null);
        if (cgroup != null) assertThat(p.cgroupPath()).contains(cgroup);
    }

    @Test
    void tcpBothFamilies() throws Exception {
        for (String address : new String[] {"127.0.0.1", "fd00:d1a9::1"}) {
            ns.runInside(() -> {
                InetAddress a = InetAddress.getByName(address);
                try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(a, 0));
                     SocketChannel client = SocketChannel.open(server.getLocalAddress());
                     SocketChannel accepted = server.accept()) {
                    Set<Long> mine = ProcFdIndexTest.ownSocketInodes();
                    SockDiag diag = SockDiag.open();
                    try {
                        Optional<SocketOwner> owner = diag.lookup(TransportProtocol.TCP, local(client), remote(client));
                        assertThat(owner).isPresent();
                        assertThat(owner.get().state()).isEqualTo(InetDiagH.TCP_ESTABLISHED);
                        assertThat(owner.get().uid()).isZero();
                        assertThat(mine).contains(owner.get().inode());
                        // the accepted end is another socket with the reversed tuple
                        Optional<SocketOwner> other = diag.lookup(TransportProtocol.TCP, local(accepted), remote(accepted));
                        assertThat(other).isPresent();
                        assertThat(other.get().inode()).isNotEqualTo(owner.get().inode());
                        // a tuple nobody has: the listener's port with a wrong remote port is not the listener
                        InetSocketAddress wrong = new InetSocketAddress(a, remote(client).getPort() == 1 ? 2 : 1);
                        assertThat(diag.lookup(TransportProtocol.TCP, remote(client), wrong)).isEmpty();
                        assertThat(diag.lookup(TransportProtocol.UDP, local(client), remote(client))).isEmpty();
                    } finally {
                        diag.close();
                    }
                    assertThisProcess(attributor.attribute(TransportProtocol.TCP, local(client), remote(client)));
                }
                return null;
            });
        }
    }

    @Test
    void udpConnectedAndUnconnectedBothFamilies() throws Exception {
        for (String address : new String[] {"127.0.0.1", "fd00:d1a9::1"}) {
            ns.runInside(() -> {
                InetAddress a = InetAddress.getByName(address);
                try (DatagramChannel server = DatagramChannel.open().bind(new InetSocketAddress(a, 0));
                     DatagramChannel connected = DatagramChannel.open().bind(new InetSocketAddress(a, 0));
                     DatagramChannel unconnected = DatagramChannel.open().bind(new InetSocketAddress(a, 0))) {
                    InetSocketAddress to = (InetSocketAddress) server.getLocalAddress();
                    connected.connect(to);
                    connected.write(ByteBuffer.wrap(new byte[] {1}));
                    unconnected.send(ByteBuffer.wrap(new byte[] {2}), to);
                    for (DatagramChannel c : new DatagramChannel[] {connected, unconnected}) {
                        InetSocketAddress from = (InetSocketAddress) c.getLocalAddress();
                        ProcessInfo p = attributor.attribute(TransportProtocol.UDP, from, to);
                        assertThisProcess(p);
                    }
                    // the two client sockets are told apart by their local port
                    SockDiag diag = SockDiag.open();
                    try {
                        long i1 = diag.lookup(TransportProtocol.UDP, (InetSocketAddress) connected.getLocalAddress(), to)
                                .orElseThrow().inode();
                        long i2 = diag.lookup(TransportProtocol.UDP, (InetSocketAddress) unconnected.getLocalAddress(), to)
                                .orElseThrow().inode();
                        assertThat(i1).isNotEqualTo(i2);
                        assertThat(ProcFdIndexTest.ownSocketInodes()).contains(i1, i2);
                        assertThat(diag.lookup(TransportProtocol.UDP, new InetSocketAddress(a, 9), to)).isEmpty();
                    } finally {
                        diag.close();
                    }
                }
                return null;
            });
        }
    }

    /**
     * A redirected client's socket has another peer than the one that received its packets: found by its local end
     * alone, TCP (the client end, never the accepted end or the listener) and connected UDP, both families.
     */
    @Test
    void socketFoundByLocalEndWhenThePeerDiffers() throws Exception {
        for (String address : new String[] {"127.0.0.1", "fd00:d1a9::1"}) {
            ns.runInside(() -> {
                InetAddress a = InetAddress.getByName(address);
                InetSocketAddress elsewhere = new InetSocketAddress(a, 53);
                try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(a, 0));
                     SocketChannel client = SocketChannel.open(server.getLocalAddress());
                     SocketChannel accepted = server.accept();
                     DatagramChannel udp = DatagramChannel.open().bind(new InetSocketAddress(a, 0))) {
                    udp.connect(server.getLocalAddress());
                    Set<Long> mine = ProcFdIndexTest.ownSocketInodes();
                    try (SockDiag diag = SockDiag.open()) {
                        assertThat(diag.lookup(TransportProtocol.TCP, local(client), elsewhere)).isEmpty();
                        SocketOwner tcp = diag.lookupLocal(TransportProtocol.TCP, local(client)).orElseThrow();
                        assertThat(tcp.inode()).isEqualTo(diag.lookup(TransportProtocol.TCP, local(client), remote(client)).orElseThrow().inode());
                        assertThat(mine).contains(tcp.inode());
                        assertThat(diag.lookupLocal(TransportProtocol.TCP, local(accepted)).orElseThrow().inode())
                                .isNotEqualTo(tcp.inode());
                        InetSocketAddress udpLocal = (InetSocketAddress) udp.getLocalAddress();
                        assertThat(diag.lookup(TransportProtocol.UDP, udpLocal, elsewhere)).isEmpty();
                        SocketOwner u = diag.lookupLocal(TransportProtocol.UDP, udpLocal).orElseThrow();
                        assertThat(mine).contains(u.inode());
                        assertThat(diag.lookupLocal(TransportProtocol.UDP, new InetSocketAddress(a, 9))).isEmpty();
                    }
                    assertThat(attributor.attribute(TransportProtocol.UDP, (InetSocketAddress) udp.getLocalAddress(), elsewhere))
                            .isEqualTo(ProcessInfo.UNKNOWN);
                    assertThisProcess(attributor.attributeRedirected(TransportProtocol.UDP, (InetSocketAddress) udp.getLocalAddress(), elsewhere));
                    assertThisProcess(attributor.attributeRedirected(TransportProtocol.TCP, local(client), elsewhere));
                }
                return null;
            });
        }
    }

    @Test
    void dualStackSocketIsFoundByItsIpv4Tuple() throws Exception {
        ns.runInside(() -> {
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET6)
                    .bind(new InetSocketAddress(InetAddress.getByName("::"), 0))) {
                int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
                try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.INET6)) {
                    client.connect(new InetSocketAddress(InetAddress.getByName("::ffff:127.0.0.1"), port));
                    try (SocketChannel accepted = server.accept()) {
                        // what a TPROXY listener sees: plain IPv4 addresses
                        InetSocketAddress l = (InetSocketAddress) client.getLocalAddress();
                        InetSocketAddress r = (InetSocketAddress) client.getRemoteAddress();
                        InetSocketAddress l4 = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), l.getPort());
                        InetSocketAddress r4 = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), r.getPort());
                        assertThisProcess(attributor.attribute(TransportProtocol.TCP, l4, r4));
                        assertThat(accepted.isConnected()).isTrue();
                    }
                }
            }
            return null;
        });
    }

    /**
     * SOCK_DESTROY aborts exactly the named socket: a read blocked on it fails with ECONNABORTED, its peer is reset,
     * another connection to the same server goes on; a second destroy finds nothing.
     */
    @Test
    void destroyAbortsOneConnectedSocket() throws Exception {
        for (String address : new String[] {"127.0.0.1", "fd00:d1a9::1"}) {
            ns.runInside(() -> {
                InetAddress a = InetAddress.getByName(address);
                try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(a, 0));
                     SocketChannel client = SocketChannel.open(server.getLocalAddress());
                     SocketChannel accepted = server.accept();
                     SocketChannel other = SocketChannel.open(server.getLocalAddress());
                     SocketChannel otherAccepted = server.accept();
                     SockDiag diag = SockDiag.open()) {
                    var reading = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            return "read " + client.read(ByteBuffer.allocate(16));
                        } catch (java.io.IOException e) {
                            return e.getMessage();
                        }
                    });
                    Thread.sleep(100); // the read is blocked in the kernel
                    assertThat(diag.destroy(local(client), remote(client))).isTrue();
                    assertThat(reading.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("Software caused connection abort");
                    assertThat(diag.lookup(TransportProtocol.TCP, local(client), remote(client))).isEmpty();
                    // the peer got the kernel's reset
                    assertThat(org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                            () -> accepted.read(ByteBuffer.allocate(16))).getMessage()).isEqualTo("Connection reset");
                    assertThat(diag.destroy(local(client), remote(client))).as("nothing left to destroy").isFalse();
                    // the other connection is untouched
                    other.write(ByteBuffer.wrap(new byte[] {42}));
                    ByteBuffer got = ByteBuffer.allocate(1);
                    otherAccepted.read(got);
                    assertThat(got.get(0)).isEqualTo((byte) 42);
                }
                return null;
            });
        }
    }

    @Test
    void misses() throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1);
        InetSocketAddress b = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 2);
        assertThat(attributor.attribute(TransportProtocol.TCP, a, b)).isEqualTo(ProcessInfo.UNKNOWN);
        assertThat(attributor.attribute(TransportProtocol.UDP, a, b)).isEqualTo(ProcessInfo.UNKNOWN);
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("fd00:d1a9::9"), 2);
        assertThat(attributor.attribute(TransportProtocol.TCP, a, v6)).isEqualTo(ProcessInfo.UNKNOWN);
    }
}
