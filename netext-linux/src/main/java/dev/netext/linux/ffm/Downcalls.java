package dev.netext.linux.ffm;

import dev.netext.linux.LinuxException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * How {@link Libc} binds a C library function and reads its errno: a call that can fail captures errno in the same
 * downcall, into a per-thread buffer passed as the handle's first argument, since any later Java code may overwrite
 * the thread's errno.
 */
final class Downcalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CCS = Linker.Option.captureCallState("errno");

    /** Per-thread errno capture buffer: downcalls on many threads must not share one. */
    static final ThreadLocal<MemorySegment> CAPTURED = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private Downcalls() {}

    /** {@code name} with errno captured; {@code firstVariadic} is the index of its first variadic argument, or -1. */
    static MethodHandle downcall(String name, FunctionDescriptor fd, int firstVariadic) {
        MemorySegment sym = symbol(name);
        return firstVariadic < 0
                ? LINKER.downcallHandle(sym, fd, CCS)
                : LINKER.downcallHandle(sym, fd, CCS, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** {@code name}, a function that cannot fail. */
    static MethodHandle downcallWithoutErrno(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** {@code rc}, or a {@link LinuxException} naming {@code op} and the captured errno when it is negative. */
    static int checked(String op, int rc, MemorySegment state) throws LinuxException {
        if (rc < 0) throw new LinuxException(op, errno(state));
        return rc;
    }
}
