package dev.netext.linux.ffm;

import dev.netext.linux.LinuxException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Large zeroed memory that costs only what is used: an anonymous private mapping, which the kernel backs page by page
 * on first touch. {@code Arena.allocate} zeroes what it allocates itself, so a 38 MiB cache reserved up front was
 * 38 MiB resident before its first entry; mapped, a cache holding 12 MiB of answers is 12 MiB resident.
 */
public final class AnonymousMemory {
    private AnonymousMemory() {}

    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    private static final MethodHandle MMAP = Downcalls.downcall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), -1);
    private static final MethodHandle MUNMAP = Downcalls.downcallWithoutErrno("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));

    /** {@code bytes} of zeroed, readable and writable memory, unmapped when {@code arena} closes. */
    public static MemorySegment map(long bytes, Arena arena) throws LinuxException {
        if (bytes <= 0) throw new IllegalArgumentException("bytes must be positive: " + bytes);
        MemorySegment state = Downcalls.CAPTURED.get();
        MemorySegment mapped;
        try {
            mapped = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
        if (mapped.address() == -1L) throw new LinuxException("mmap " + bytes + " bytes", Downcalls.errno(state));
        return mapped.reinterpret(bytes, arena, segment -> unmap(segment.address(), bytes));
    }

    private static void unmap(long address, long bytes) {
        try {
            int rc = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), bytes);
            assert rc == 0 : "munmap failed";
        } catch (Throwable t) {
            throw Downcalls.rethrow(t);
        }
    }
}
