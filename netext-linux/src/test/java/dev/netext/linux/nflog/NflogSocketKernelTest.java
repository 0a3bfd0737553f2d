package dev.netext.linux.nflog;

import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.Root;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The nflog group against the real kernel, in a throw-away namespace: an nft {@code log group} rule on UDP to
 * 127.0.0.1:9998 at output and at prerouting; each datagram arrives once per hook, whole, at once (no batching);
 * the group is exclusive while bound and free again after close.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NflogSocketKernelTest {
    private static final int GROUP = 40123;

    @BeforeAll
    static void root() {
        Root.assumeRoot();
    }

    @Test
    void receivesLoggedPacketsAtOnceAndHoldsTheGroup() throws Exception {
        try (NetnsLab lab = NetnsLab.create()) {
            NetworkNamespace ns = lab.namespace("nflog");
            ns.run("ip", "link", "set", "lo", "up").orThrow();
            ns.runInside(() -> {
                try (NflogSocket log = NflogSocket.open(GROUP, 0xffff);
                     DatagramSocket tx = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                    assertThatThrownBy(() -> NflogSocket.open(GROUP, 0xffff)).isInstanceOf(LinuxException.class)
                            .matches(e -> ((LinuxException) e).is(Errno.EPERM), "EPERM: the kernel's answer for a group another socket holds");
                    new dev.netext.linux.nft.Nft().apply("""
                            table inet nflog-test {
                              chain out { type filter hook output priority raw; policy accept;
                                ip daddr 127.0.0.1 udp dport 9998 log group %d
                              }
                              chain pre { type filter hook prerouting priority raw; policy accept;
                                ip daddr 127.0.0.1 udp dport 9998 log group %d
                              }
                            }
                            """.formatted(GROUP, GROUP));
                    byte[] hello = "hello nflog".getBytes(StandardCharsets.US_ASCII);
                    long before = System.currentTimeMillis();
                    tx.send(new DatagramPacket(hello, hello.length, new InetSocketAddress("127.0.0.1", 9998)));
                    List<NflogPacket> got = new ArrayList<>();
                    long deadline = System.nanoTime() + 3_000_000_000L;
                    while (got.size() < 2 && System.nanoTime() < deadline) log.receive(200, got::add);
                    assertThat(System.currentTimeMillis() - before).as("not held back for the kernel's 1 s flush").isLessThan(900);
                    assertThat(got).hasSize(2);
                    assertThat(got).extracting(NflogPacket::hook).containsExactly(3, 0); // NF_INET_LOCAL_OUT, then PRE_ROUTING on lo
                    for (NflogPacket p : got) {
                        assertThat(p.group()).isEqualTo(GROUP);
                        assertThat(p.family()).isEqualTo(2);
                        assertThat(p.payload()).hasSize(20 + 8 + hello.length);
                        assertThat(new String(p.payload(), 28, hello.length, StandardCharsets.US_ASCII)).isEqualTo("hello nflog");
                    }
                    long now = System.currentTimeMillis() * 1_000_000L;
                    for (NflogPacket p : got) // a stamp, where the kernel sends one, is the packet's wall-clock time
                        if (p.epochNanos() >= 0) assertThat(Math.abs(now - p.epochNanos())).isLessThan(10_000_000_000L);
                    assertThat(log.malformed()).isZero();
                }
                try (NflogSocket again = NflogSocket.open(GROUP, 128)) {
                    assertThat(again.group()).isEqualTo(GROUP); // released by close
                }
            });
        }
    }
}
