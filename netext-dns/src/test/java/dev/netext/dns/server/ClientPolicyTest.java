package dev.netext.dns.server;

import dev.netext.api.net.IpPrefix;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ClientPolicyTest {
    @Test
    void aclAdmitsLoopbackAndAllowedPrefixesOnly() throws Exception {
        ClientAcl acl = ClientAcl.localPlus(List.of(IpPrefix.parse("192.0.2.0/24")));
        assertThat(acl.allows(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(acl.allows(InetAddress.getByName("127.3.2.1"))).isTrue();
        assertThat(acl.allows(InetAddress.getByName("::1"))).isTrue();
        assertThat(acl.allows(InetAddress.getByName("192.0.2.77"))).isTrue();
        assertThat(acl.allows(InetAddress.getByName("198.51.100.7"))).isFalse();
    }

    @Test
    void rateLimitRefillsAndSparesLoopback() throws Exception {
        AtomicLong now = new AtomicLong();
        ClientRateLimiter l = new ClientRateLimiter(10, 20, now::get);
        InetAddress c = InetAddress.getByName("192.0.2.1");
        int allowed = 0;
        for (int i = 0; i < 100; i++) if (l.allow(c)) allowed++;
        assertThat(allowed).isEqualTo(20);
        now.addAndGet(500_000_000L);
        allowed = 0;
        for (int i = 0; i < 100; i++) if (l.allow(c)) allowed++;
        assertThat(allowed).isEqualTo(5);
        for (int i = 0; i < 1000; i++) assertThat(l.allow(InetAddress.getLoopbackAddress())).isTrue();
        assertThat(l.allow(InetAddress.getByName("192.0.2.2"))).isTrue(); // its own bucket
        assertThat(new ClientRateLimiter(0, 0, now::get).allow(c)).isTrue();
    }

    @Test
    void aKnownClientsQueryAllocatesNothingInTheRateLimiter() throws Exception {
        ClientRateLimiter l = new ClientRateLimiter(1000, 2000, System::nanoTime);
        InetAddress c = InetAddress.getByName("192.0.2.1");
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long least = Long.MAX_VALUE;
        // rounds until the JIT has compiled allow() (later on a loaded machine); a capturing lambda stays 24 B a call
        for (int round = 0; round < 50 && least >= 100_000; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100_000; i++) l.allow(c);
            least = Math.min(least, mx.getCurrentThreadAllocatedBytes() - before);
        }
        assertThat(least).as("bytes allocated by 100,000 queries of a known client").isLessThan(100_000);
    }
}
