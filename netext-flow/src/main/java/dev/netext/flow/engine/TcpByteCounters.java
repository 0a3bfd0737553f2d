package dev.netext.flow.engine;

import dev.netext.linux.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A TCP socket's byte counters from TCP_INFO ({@code linux/tcp.h} {@code struct tcp_info}): what a spliced flow
 * moved, since spliced bytes never pass through the JVM. Netty's {@code EpollTcpInfo} stops before these fields.
 */
final class TcpByteCounters {
    static final int IPPROTO_TCP = 6, TCP_INFO = 11;
    /** Offsets of {@code tcpi_bytes_acked} and {@code tcpi_bytes_received} (Linux 4.1+). */
    static final int BYTES_ACKED = 120, BYTES_RECEIVED = 128;

    private TcpByteCounters() {}

    /** {bytes sent and acknowledged, bytes received}, or null when the kernel's struct is too short or the call fails. */
    static long[] read(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = a.allocate(256, 8);
            int len = Libc.getsockopt(fd, IPPROTO_TCP, TCP_INFO, info);
            if (len < BYTES_RECEIVED + 8) return null;
            return new long[]{info.get(JAVA_LONG, BYTES_ACKED), info.get(JAVA_LONG, BYTES_RECEIVED)};
        } catch (Exception e) {
            return null;
        }
    }
}
