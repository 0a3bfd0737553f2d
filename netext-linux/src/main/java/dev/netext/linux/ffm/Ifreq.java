package dev.netext.linux.ffm;

import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct ifreq} (linux/if.h) and the interface ioctls netext makes with it. The struct is 40 bytes on 64-bit
 * Linux: a 16-byte NUL-terminated name, then a union whose first member is what each ioctl reads or writes
 * ({@code short ifr_flags} for TUNSETIFF, {@code int ifr_ifindex} for SIOCGIFINDEX).
 *
 * <p>Interface lookups go through an ioctl on a socket rather than {@code /sys/class/net}: sysfs shows the network
 * namespace of whoever mounted it, while a socket belongs to the namespace of the thread that created it. A thread
 * moved with {@code setns} (see {@code NetworkNamespace.runInside}) therefore sees its own namespace's interfaces
 * here and the host's under {@code /sys}.
 */
public final class Ifreq {
    public static final int SIZE = 40;
    public static final int IFNAMSIZ = 16;
    /** Offset of the union (ifr_flags, ifr_ifindex, ...). */
    public static final int UNION_OFFSET = 16;
    public static final long SIOCGIFINDEX = 0x8933;

    private Ifreq() {}

    /** A zeroed ifreq holding {@code name}. */
    public static MemorySegment allocate(Arena arena, String name) {
        byte[] bytes = checkName(name).getBytes(StandardCharsets.US_ASCII);
        MemorySegment req = arena.allocate(SIZE, 8);
        MemorySegment.copy(bytes, 0, req, JAVA_BYTE, 0, bytes.length);
        return req;
    }

    /** The name the kernel left in {@code req} (TUNSETIFF writes back the name it chose). */
    public static String name(MemorySegment req) {
        return req.getString(0, StandardCharsets.US_ASCII);
    }

    public static void setFlags(MemorySegment req, int flags) {
        req.set(JAVA_SHORT, UNION_OFFSET, (short) flags);
    }

    /**
     * The ifindex of {@code name} in the calling thread's network namespace, or 0 if there is no such interface
     * (the kernel never assigns index 0).
     */
    public static int indexOf(String name) throws LinuxException {
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = allocate(arena, name);
            try {
                Libc.ioctl("SIOCGIFINDEX " + name, fd, SIOCGIFINDEX, req);
            } catch (LinuxException e) {
                if (e.is(Errno.ENODEV)) return 0;
                throw e;
            }
            return req.get(JAVA_INT, UNION_OFFSET);
        } finally {
            Libc.close(fd);
        }
    }

    /**
     * Checks {@code name} the way the kernel's {@code dev_valid_name} does, plus '%': the kernel expands
     * {@code %d} to a free number, which would turn a request for one exact name into "any matching name".
     */
    public static String checkName(String name) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("empty interface name");
        if (name.length() >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name '" + name + "' is longer than " + (IFNAMSIZ - 1) + " characters");
        }
        if (name.equals(".") || name.equals("..")) throw new IllegalArgumentException("invalid interface name '" + name + "'");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '/' || c == ':' || c == '%') {
                throw new IllegalArgumentException("invalid character '" + c + "' in interface name '" + name + "'");
            }
        }
        return name;
    }
}
