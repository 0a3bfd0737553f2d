package dev.netext.wireguard;

import dev.netext.api.net.IpPrefix;
import dev.netext.testkit.packet.Packets;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class AllowedIpsTest {
    final FakeTime time = new FakeTime();
    final Peer p1 = peer(), p2 = peer(), p3 = peer();

    Peer peer() { return new Peer(Key.generatePrivate().publicKey(), new byte[32], time); }

    static InetAddress ip(String s) { return IpPrefix.parseAddress(s); }

    @Test
    void longestPrefixWinsForBothFamilies() {
        AllowedIps t = new AllowedIps();
        t.insert(IpPrefix.parse("0.0.0.0/0"), p1);
        t.insert(IpPrefix.parse("10.0.0.0/8"), p2);
        t.insert(IpPrefix.parse("10.1.2.0/24"), p3);
        t.insert(IpPrefix.parse("10.1.2.3/32"), p1);
        t.insert(IpPrefix.parse("::/0"), p3);
        t.insert(IpPrefix.parse("fd00::/8"), p1);
        t.insert(IpPrefix.parse("fd00:1::/32"), p2);
        assertThat(t.lookup(ip("8.8.8.8"))).isSameAs(p1);
        assertThat(t.lookup(ip("10.200.0.1"))).isSameAs(p2);
        assertThat(t.lookup(ip("10.1.2.4"))).isSameAs(p3);
        assertThat(t.lookup(ip("10.1.2.3"))).isSameAs(p1);
        assertThat(t.lookup(ip("2001:db8::1"))).isSameAs(p3);
        assertThat(t.lookup(ip("fd00:1::5"))).isSameAs(p2);
        assertThat(t.lookup(ip("fd00:2::5"))).isSameAs(p1);
    }

    @Test
    void hostBitsAreIgnoredAndReinsertMovesOwnership() {
        AllowedIps t = new AllowedIps();
        t.insert(IpPrefix.parse("192.168.1.77/24"), p1);
        assertThat(t.lookup(ip("192.168.1.1"))).isSameAs(p1);
        t.insert(IpPrefix.parse("192.168.1.0/24"), p2);
        assertThat(t.lookup(ip("192.168.1.1"))).isSameAs(p2);
        assertThat(t.prefixesOf(p1)).isEmpty();
        assertThat(t.prefixesOf(p2)).containsExactly(IpPrefix.parse("192.168.1.0/24"));
    }

    @Test
    void removeByPeerAndRemoveOnlyTouchThatPeer() {
        AllowedIps t = new AllowedIps();
        t.insert(IpPrefix.parse("10.0.0.0/8"), p1);
        t.insert(IpPrefix.parse("10.1.0.0/16"), p2);
        t.insert(IpPrefix.parse("fd00::/64"), p2);
        t.remove(IpPrefix.parse("10.0.0.0/8"), p2);
        assertThat(t.lookup(ip("10.2.0.1"))).isSameAs(p1);
        t.removeByPeer(p2);
        assertThat(t.lookup(ip("10.1.0.1"))).isSameAs(p1);
        assertThat(t.lookup(ip("fd00::1"))).isNull();
        assertThat(t.prefixesOf(p1)).containsExactly(IpPrefix.parse("10.0.0.0/8"));
    }

    @Test
    void readsAddressesFromPackets() {
        AllowedIps t = new AllowedIps();
        t.insert(IpPrefix.parse("10.0.0.2/32"), p1);
        t.insert(IpPrefix.parse("fd00::1/128"), p2);
        assertThat(t.lookupDestination(ByteBuffer.wrap(Packets.icmpEcho("10.0.0.1", "10.0.0.2", 1, 1)))).isSameAs(p1);
        assertThat(t.lookupSource(ByteBuffer.wrap(Packets.icmpEcho("fd00::1", "fd00::9", 1, 1)))).isSameAs(p2);
        assertThat(t.lookupDestination(ByteBuffer.wrap(new byte[] {0x45}))).isNull();
        assertThat(t.lookupDestination(ByteBuffer.wrap(new byte[40]))).isNull();
    }

    @Test
    void readsAddressesWhateverTheBuffersByteOrder() {
        AllowedIps t = new AllowedIps();
        t.insert(IpPrefix.parse("10.0.0.0/8"), p1);
        t.insert(IpPrefix.parse("10.128.0.0/9"), p2);
        t.insert(IpPrefix.parse("fd00::/64"), p1);
        t.insert(IpPrefix.parse("fd00::8000:0:0:0/65"), p2);
        for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
            ByteBuffer v4 = ByteBuffer.wrap(Packets.icmpEcho("10.0.0.1", "10.200.0.2", 1, 1)).order(order);
            assertThat(t.lookupDestination(v4)).as(order.toString()).isSameAs(p2);
            assertThat(t.lookupSource(v4)).as(order.toString()).isSameAs(p1);
            ByteBuffer v6 = ByteBuffer.wrap(Packets.icmpEcho("fd00::1", "fd00::8000:0:0:1", 1, 1)).order(order);
            assertThat(t.lookupDestination(v6)).as("bit 65, in the second word: " + order).isSameAs(p2);
            assertThat(t.lookupSource(v6)).as(order.toString()).isSameAs(p1);
        }
    }

    /** Lookups take no lock: one racing changes finds the owner before or after each change, never a torn state. */
    @Test
    void lookupsRacingChangesSeeOneOwnerOrTheOther() throws Exception {
        AllowedIps t = new AllowedIps();
        t.insert(IpPrefix.parse("0.0.0.0/0"), p1);
        t.insert(IpPrefix.parse("10.1.0.0/16"), p2);
        InetAddress inside = ip("10.1.2.3"), other = ip("192.0.2.1");
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> wrong = new AtomicReference<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (!done.get()) {
                Peer a = t.lookup(inside), b = t.lookup(other);
                if (a != p2 && a != p3 || b != p1) wrong.compareAndSet(null, a + " " + b);
            }
        });
        for (int i = 0; i < 20_000; i++) {
            t.insert(IpPrefix.parse("10.1.0.0/16"), i % 2 == 0 ? p3 : p2); // moves the prefix between peers
            t.insert(IpPrefix.parse("10.1." + (i & 0xff) + ".0/24"), p2);   // grows the trie under the reader
        }
        done.set(true);
        reader.join();
        assertThat(wrong.get()).isNull();
    }

    @Test
    void agreesWithALinearScanOnRandomPrefixes() {
        Random r = new Random(42);
        AllowedIps t = new AllowedIps();
        record Route(IpPrefix prefix, Peer peer) {}
        List<Route> routes = new ArrayList<>();
        Peer[] peers = {p1, p2, p3};
        for (int i = 0; i < 400; i++) {
            byte[] a = new byte[r.nextBoolean() ? 4 : 16];
            r.nextBytes(a);
            a[0] = (byte) (a[0] & 0x0f);   // crowd the prefixes so they nest
            IpPrefix prefix = new IpPrefix(AllowedIps.address(a), r.nextInt(a.length * 8 + 1)).network();
            Peer peer = peers[r.nextInt(3)];
            t.insert(prefix, peer);
            routes.removeIf(x -> x.prefix().equals(prefix));
            routes.add(new Route(prefix, peer));
        }
        for (int i = 0; i < 5000; i++) {
            byte[] a = new byte[r.nextBoolean() ? 4 : 16];
            r.nextBytes(a);
            a[0] = (byte) (a[0] & 0x0f);
            InetAddress addr = AllowedIps.address(a);
            Route best = null;
            for (Route x : routes) {
                if (x.prefix().address().getAddress().length == a.length && x.prefix().contains(addr)
                        && (best == null || x.prefix().length() > best.prefix().length())) best = x;
            }
            assertThat(t.lookup(addr)).as(addr.toString()).isSameAs(best == null ? null : best.peer());
        }
    }
}
