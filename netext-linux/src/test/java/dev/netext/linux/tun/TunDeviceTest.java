package dev.netext.linux.tun;

import dev.netext.api.tunnel.PacketBatch;
import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.Root;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * TUN devices in throwaway namespaces: each test opens its device inside its own lab namespace, so nothing touches the
 * host's interfaces, and closing the lab removes whatever a failing test left.
 */
class TunDeviceTest {
    private static final InetAddress LOCAL = addr("10.200.0.1");
    private static final InetAddress PEER = addr("10.200.0.2");
    private static NetnsLab lab;

    @BeforeAll
    static void createLab() throws Exception {
        Root.assumeRootWithTun();
        lab = NetnsLab.create();
    }

    @AfterAll
    static void closeLab() {
        if (lab != null) lab.close();
    }

    @ParameterizedTest(name = "vnet_hdr={0}")
    @ValueSource(booleans = {false, true})
    void pingGoesOutThroughTheTunAndTheCraftedReplyComesBack(boolean vnetHdr) throws Exception {
        NetworkNamespace ns = lab.namespace(vnetHdr ? "ping-vnet" : "ping");
        try (TunDevice tun = ns.runInside(() -> TunDevice.open(TunOptions.defaults().withVnetHdr(vnetHdr)))) {
            assertThat(tun.name()).as("first free name in a fresh namespace").isEqualTo("netext0");
            assertThat(tun.ifindex()).isEqualTo(ifindexOf(ns, tun.name()));
            String details = ns.ip("-d", "link", "show", "dev", tun.name()).output();
            assertThat(details).contains("tun type tun pi off vnet_hdr " + (vnetHdr ? "on" : "off")).contains("persist off");
            up(ns, tun.name());

            PacketBatch batch = PacketBatch.allocate(8, 2048);
            Process ping = ns.exec("ping", "-n", "-c", "1", "-W", "5", PEER.getHostAddress());
            int i = awaitPacket(tun, tun.queue(0), batch, p -> Packets.isIcmpEchoRequest(p, PEER));
            ByteBuffer request = batch.packet(i);
            assertThat(request.get(0)).as("IPv4 header first: no PI, vnet header stripped").isEqualTo((byte) 0x45);
            assertThat(Packets.src(request)).isEqualTo(LOCAL);

            Packets.toEchoReply(request);
            for (int j = 0; j < batch.count(); j++) if (j != i) batch.setLength(j, 0);
            assertThat(tun.writeBatch(batch)).isEqualTo(1);
            assertThat(ping.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(ping.getInputStream().readAllBytes())).contains("1 received");
            assertThat(ping.exitValue()).isZero();

            assertUdpArrives(ns, tun.queue(0), "hello through " + tun.name());

            batch.clear();
            batch.add(ByteBuffer.wrap(new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}));
            assertThat(tun.writeBatch(batch)).as("not IPv4 or IPv6: the kernel refuses it").isZero();
            assertThat(tun.writeDrops()).isEqualTo(1);
        }
    }

    @Test
    void multiQueueDeviceAttachesOneFdPerQueue() throws Exception {
        NetworkNamespace ns = lab.namespace("mq");
        TunDevice tun = ns.runInside(() -> TunDevice.open(TunOptions.defaults().withQueues(3)));
        try {
            assertThat(tun.queueCount()).isEqualTo(3);
            assertThat(ns.ip("-d", "link", "show", "dev", tun.name()).output()).contains("multi_queue numqueues 3");
            up(ns, tun.name());

            ConcurrentLinkedQueue<Integer> requestsPerQueue = new ConcurrentLinkedQueue<>();
            List<Thread> readers = new ArrayList<>();
            AtomicInteger closedReturns = new AtomicInteger();
            for (int q = 0; q < 3; q++) {
                TunQueue queue = tun.queue(q);
                readers.add(Thread.ofPlatform().name("tun reader " + q).start(() -> {
                    PacketBatch batch = PacketBatch.allocate(4, 2048);
                    try {
                        int n;
                        while ((n = queue.readBatch(batch)) > 0) {
                            for (int i = 0; i < n; i++) if (Packets.isIcmpEchoRequest(batch.packet(i), PEER)) requestsPerQueue.add(queue.index());
                        }
                        if (n == -1) closedReturns.incrementAndGet();
                    } catch (LinuxException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            ns.run(Duration.ofSeconds(5), "ping", "-n", "-c", "3", "-i", "0.1", "-W", "1", PEER.getHostAddress());
            assertThat(requestsPerQueue).hasSize(3);

            assertUdpArrives(ns, tun.queue(2), "via queue 2");

            tun.close();
            for (Thread t : readers) t.join(2000);
            assertThat(readers).noneMatch(Thread::isAlive);
            assertThat(closedReturns).hasValue(3);
            assertThat(ns.run("ip", "link", "show", "dev", tun.name()).ok()).as("device gone after close").isFalse();
        } finally {
            tun.close();
        }
    }

    @Test
    void neverAttachesToADeviceItDidNotCreate() throws Exception {
        NetworkNamespace ns = lab.namespace("names");
        // persistent devices nobody has attached, as a VPN setup script would leave them
        ns.ip("tuntap", "add", "dev", "netext0", "mode", "tun");
        ns.ip("tuntap", "add", "dev", "netext1", "mode", "tun", "multi_queue");
        String before0 = ns.ip("-d", "link", "show", "dev", "netext0").output();
        String before1 = ns.ip("-d", "link", "show", "dev", "netext1").output();
        assertThat(before1).contains("numqueues 0");

        try (TunDevice mine = ns.runInside(() -> TunDevice.open())) {
            assertThat(mine.name()).as("existing names are skipped").isEqualTo("netext2");

            assertThatThrownBy(() -> ns.runInside(() -> TunDevice.open(TunOptions.defaults().withName("netext0"))))
                    .isInstanceOf(LinuxException.class)
                    .hasMessageContaining("netext0").hasMessageContaining("already exists")
                    .satisfies(e -> assertThat(((LinuxException) e).errno()).isEqualTo(Errno.EBUSY));
            // flags match the foreign multi-queue device: without IFF_TUN_EXCL this would attach as a new queue
            assertThatThrownBy(() -> ns.runInside(() -> TunDevice.open(new TunOptions("netext1", false, 2))))
                    .isInstanceOf(LinuxException.class).hasMessageContaining("netext1");
            // a live device of another owner (here: ours, still open) is not shared either
            assertThatThrownBy(() -> ns.runInside(() -> TunDevice.open(TunOptions.defaults().withName("netext2"))))
                    .isInstanceOf(LinuxException.class).hasMessageContaining("netext2");
            assertThatThrownBy(() -> ns.runInside(() -> TunDevice.open(TunOptions.defaults().withName("lo"))))
                    .isInstanceOf(LinuxException.class).hasMessageContaining("'lo'");

            assertThat(ns.ip("-d", "link", "show", "dev", "netext0").output()).isEqualTo(before0);
            assertThat(ns.ip("-d", "link", "show", "dev", "netext1").output()).isEqualTo(before1).contains("numqueues 0");

            try (TunDevice explicit = ns.runInside(() -> TunDevice.open(TunOptions.defaults().withName("vpn-test")))) {
                assertThat(explicit.name()).isEqualTo("vpn-test");
                assertThat(explicit.ifindex()).isEqualTo(ifindexOf(ns, "vpn-test")).isNotEqualTo(mine.ifindex());
            }
        }
        assertThat(ns.run("ip", "link", "show", "dev", "netext2").ok()).as("our device is not persistent").isFalse();
        assertThat(ns.run("ip", "link", "show", "dev", "netext0").ok()).as("the foreign device is untouched").isTrue();
    }

    @Test
    void closeWakesABlockedReaderAndIsIdempotent() throws Exception {
        NetworkNamespace ns = lab.namespace("close");
        // left down: an up device receives IPv6 router solicitations and the like, and the reader must stay blocked
        TunDevice tun = ns.runInside(() -> TunDevice.open());
        AtomicReference<Object> outcome = new AtomicReference<>();
        CountDownLatch reading = new CountDownLatch(1);
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                reading.countDown();
                outcome.set(tun.readBatch(PacketBatch.allocate(4, 2048)));
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        reading.await();
        Thread.sleep(200); // let it block in poll
        assertThat(reader.isAlive()).isTrue();

        Thread otherCloser = Thread.ofPlatform().start(tun::close);
        tun.close();
        otherCloser.join(2000);
        reader.join(2000);
        assertThat(reader.isAlive()).isFalse();
        assertThat(outcome.get()).isEqualTo(-1);
        assertThat(tun.isOpen()).isFalse();
        tun.close();

        PacketBatch batch = PacketBatch.allocate(1, 2048);
        assertThat(tun.readBatch(batch)).isEqualTo(-1);
        batch.add(Packets.udp(LOCAL, 1, PEER, 2, new byte[1]));
        assertThat(tun.writeBatch(batch)).isEqualTo(-1);
        assertThat(ns.run("ip", "link", "show", "dev", tun.name()).ok()).isFalse();
    }

    /**
     * Pure ACKs a later one of the same batch supersedes never reach the kernel (the device's own receive counter),
     * duplicate ACKs all do — with and without offloads (both write paths).
     */
    @ParameterizedTest(name = "offload={0}")
    @ValueSource(booleans = {false, true})
    void supersededAcksAreNotWrittenDuplicateAcksAre(boolean offload) throws Exception {
        NetworkNamespace ns = lab.namespace(offload ? "acks-offload" : "acks");
        try (TunDevice tun = ns.runInside(() -> TunDevice.open(TunOptions.defaults().withOffload(offload)))) {
            up(ns, tun.name());
            int peer = 0x0ac80002, local = 0x0ac80001;
            PacketBatch batch = PacketBatch.allocate(8, 2048);
            for (int ack : new int[] {1000, 2000, 3000}) {
                batch.add(AckThinningTest.tcp(false, peer, local, 40000, ack, AckThinningTest.ACK, AckThinningTest.timestamps(ack), 0, 0));
            }
            long before = rxPackets(ns, tun.name());
            assertThat(tun.queue(0).writeBatch(batch)).isEqualTo(1);
            assertThat(tun.queue(0).thinnedAcks()).isEqualTo(2);
            assertThat(rxPackets(ns, tun.name()) - before).isEqualTo(1);

            batch.clear();
            for (int i = 0; i < 3; i++) {
                batch.add(AckThinningTest.tcp(false, peer, local, 40000, 3000, AckThinningTest.ACK, AckThinningTest.timestamps(i), 0, 0));
            }
            assertThat(tun.queue(0).writeBatch(batch)).isEqualTo(3);
            assertThat(tun.queue(0).thinnedAcks()).isEqualTo(2);
            assertThat(rxPackets(ns, tun.name()) - before).isEqualTo(4);
        }
    }

    private static long rxPackets(NetworkNamespace ns, String dev) throws Exception {
        return Long.parseLong(ns.run("cat", "/sys/class/net/" + dev + "/statistics/rx_packets").orThrow().output().trim());
    }

    // ---------------------------------------------------------------- helpers

    private static void up(NetworkNamespace ns, String dev) throws Exception {
        ns.ip("addr", "add", LOCAL.getHostAddress() + "/24", "dev", dev);
        ns.linkUp(dev);
    }

    private static void assertUdpArrives(NetworkNamespace ns, TunQueue queue, String text) throws Exception {
        try (DatagramSocket socket = ns.runInside(() -> new DatagramSocket(new InetSocketAddress(LOCAL, 0)))) {
            socket.setSoTimeout(3000);
            byte[] payload = text.getBytes(StandardCharsets.UTF_8);
            PacketBatch batch = PacketBatch.allocate(2, 2048);
            batch.add(Packets.udp(PEER, 5555, LOCAL, socket.getLocalPort(), payload));
            batch.add(ByteBuffer.allocate(0)); // a length-0 slot is skipped
            assertThat(queue.writeBatch(batch)).isEqualTo(1);
            DatagramPacket received = new DatagramPacket(new byte[2048], 2048);
            socket.receive(received);
            assertThat(new String(received.getData(), 0, received.getLength(), StandardCharsets.UTF_8)).isEqualTo(text);
            assertThat(received.getSocketAddress()).isEqualTo(new InetSocketAddress(PEER, 5555));
        }
    }

    /**
     * Reads {@code queue} until a packet matches; returns its index in {@code batch}. The read runs on its own thread
     * so that a packet that never comes fails the test after 5 s (closing the device to free the reader) instead of
     * hanging the build.
     */
    private static int awaitPacket(TunDevice tun, TunQueue queue, PacketBatch batch, Predicate<ByteBuffer> match) throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().name("await packet").start(() -> {
            try {
                for (;;) {
                    int n = queue.readBatch(batch);
                    if (n < 0) {
                        result.set("device closed");
                        return;
                    }
                    for (int i = 0; i < n; i++) {
                        if (match.test(batch.packet(i))) {
                            result.set(i);
                            return;
                        }
                    }
                }
            } catch (Throwable t) {
                result.set(t);
            }
        });
        reader.join(Duration.ofSeconds(5));
        if (reader.isAlive()) {
            tun.close();
            reader.join();
            fail("no matching packet on " + tun.name() + " within 5 s");
        }
        if (result.get() instanceof Integer i) return i;
        if (result.get() instanceof Throwable t) throw new AssertionError("reader failed", t);
        throw new AssertionError(String.valueOf(result.get()));
    }

    private static int ifindexOf(NetworkNamespace ns, String dev) throws Exception {
        Matcher m = Pattern.compile("^(\\d+):").matcher(ns.ip("link", "show", "dev", dev).output());
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
