package dev.netext.linux.ffm;

import dev.netext.linux.LinuxException;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code recvmmsg(2)}: many datagrams, each with its own name and control messages, in one system call. Netty's
 * epoll transport has one too, but passes no control buffer, so a UDP_GRO train read through it loses its segment
 * size; this one takes a caller-built {@code struct mmsghdr} vector.
 */
public final class Mmsg {
    private Mmsg() {}

    /** struct msghdr (64-bit): name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48. */
    public static final int MSG_NAME = 0, MSG_NAMELEN = 8, MSG_IOV = 16, MSG_IOVLEN = 24, MSG_CONTROL = 32,
            MSG_CONTROLLEN = 40, MSG_FLAGS = 48;
    /** struct mmsghdr: a msghdr, then {@code unsigned int msg_len} (bytes received), padded to 8. */
    public static final int MSG_LEN = 56, MMSGHDR_SIZE = 64;
    /** struct cmsghdr (64-bit): len 0 (size_t), level 8, type 12, data 16; CMSG_ALIGN is 8. */
    public static final int CMSG_LEN = 0, CMSG_LEVEL = 8, CMSG_TYPE = 12, CMSG_DATA = 16;
    public static final int MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40;
    /** SOL_UDP and UDP_GRO from linux/udp.h: the control message's data is the train's segment size. */
    public static final int SOL_UDP = 17, UDP_GRO = 104;

    private static final int EAGAIN = 11, EINTR = 4;
    private static final MethodHandle RECVMMSG = Downcalls.downcall("recvmmsg",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS), -1);

    /**
     * The UDP_GRO segment size among the control messages at {@code base} of {@code controls}
     * ({@code controlLength} bytes as the kernel left them in {@code msg_controllen}, at most {@code capacity}), or 0:
     * the message is one datagram, not a train.
     */
    public static int groSegmentSize(MemorySegment controls, long base, long controlLength, long capacity) {
        long end = Math.min(controlLength, capacity);
        for (long off = 0; off + CMSG_DATA <= end; ) {
            long len = controls.get(JAVA_LONG, base + off + CMSG_LEN);
            if (len < CMSG_DATA || off + len > end) return 0;
            if (controls.get(JAVA_INT, base + off + CMSG_LEVEL) == SOL_UDP
                    && controls.get(JAVA_INT, base + off + CMSG_TYPE) == UDP_GRO && len >= CMSG_DATA + 2) {
                // an int since Linux 5.0's udp_cmsg_recv; the low 16 bits (little-endian first) hold any segment size
                return Short.toUnsignedInt(controls.get(JAVA_SHORT, base + off + CMSG_DATA));
            }
            off += (len + 7) & ~7L;
        }
        return 0;
    }

    /**
     * recvmmsg(2) into the first {@code vlen} entries of {@code vec} without a timeout. Returns how many messages
     * arrived, or 0 when none was waiting (EAGAIN on a non-blocking socket or with MSG_DONTWAIT) or on EINTR.
     */
    public static int recvmmsg(int fd, MemorySegment vec, int vlen, int flags) throws LinuxException {
        MemorySegment st = Downcalls.CAPTURED.get();
        try {
            int n = (int) RECVMMSG.invokeExact(st, fd, vec, vlen, flags, MemorySegment.NULL);
            if (n >= 0) return n;
            int e = Downcalls.errno(st);
            if (e == EAGAIN || e == EINTR) return 0;
            throw new LinuxException("recvmmsg", e);
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }
}
