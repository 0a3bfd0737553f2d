package dev.netext.linux.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static dev.netext.linux.ffm.Downcalls.downcall;
import static dev.netext.linux.ffm.Downcalls.downcallWithoutErrno;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The downcall handles of {@link Libc}, one holder class each, so that a call is bound on its first use (its holder's
 * initialisation) rather than all of them when Libc is first touched: binding one costs 3-6 CPU-ms interpreted (the
 * linker spins a class per signature), no command makes every call, and a thread that needs one call waits for that
 * binding alone (docs/PERFORMANCE.md, "wg up's first ping"). The JIT folds each static final handle as before.
 */
final class LibcCalls {
    private LibcCalls() {}

    static final class Open { static final MethodHandle HANDLE = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), 2); }
    static final class Close { static final MethodHandle HANDLE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1); }
    static final class Read { static final MethodHandle HANDLE = downcall("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1); }
    static final class Write { static final MethodHandle HANDLE = downcall("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), -1); }
    static final class Readv { static final MethodHandle HANDLE = downcall("readv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1); }
    static final class Writev { static final MethodHandle HANDLE = downcall("writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1); }
    static final class IoctlPtr { static final MethodHandle HANDLE = downcall("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2); }
    static final class IoctlInt { static final MethodHandle HANDLE = downcall("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2); }
    static final class Fcntl { static final MethodHandle HANDLE = downcall("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2); }
    static final class Poll { static final MethodHandle HANDLE = downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1); }
    static final class Eventfd { static final MethodHandle HANDLE = downcall("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1); }
    static final class Socket { static final MethodHandle HANDLE = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), -1); }
    static final class Bind { static final MethodHandle HANDLE = downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1); }
    static final class Getsockname { static final MethodHandle HANDLE = downcall("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), -1); }
    static final class Sendto { static final MethodHandle HANDLE = downcall("sendto", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1); }
    static final class Recv { static final MethodHandle HANDLE = downcall("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1); }
    static final class Recvmsg { static final MethodHandle HANDLE = downcall("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), -1); }
    static final class Setsockopt { static final MethodHandle HANDLE = downcall("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), -1); }
    static final class Getsockopt { static final MethodHandle HANDLE = downcall("getsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), -1); }
    static final class Setns { static final MethodHandle HANDLE = downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1); }
    static final class Pipe2 { static final MethodHandle HANDLE = downcall("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1); }
    static final class Splice { static final MethodHandle HANDLE = downcall("splice", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), -1); }
    static final class Shutdown { static final MethodHandle HANDLE = downcall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1); }
    static final class Getpid { static final MethodHandle HANDLE = downcallWithoutErrno("getpid", FunctionDescriptor.of(JAVA_INT)); }
    static final class Strerror { static final MethodHandle HANDLE = downcallWithoutErrno("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT)); }

    /** The calls of a tunnel's start, in the order its main thread first makes them ({@link Libc#bindTunnelCalls}). */
    static void bindTunnelCalls() {
        // netlink (the launcher's first socket, recovery, addresses and routes), the state ledger and its namespace
        // cookies, the TUN device, then what the TUN reader and writer call
        List.of(Socket.HANDLE, Getsockname.HANDLE, Setsockopt.HANDLE, Bind.HANDLE, Sendto.HANDLE, Poll.HANDLE, Recv.HANDLE,
                Recvmsg.HANDLE, Getpid.HANDLE, Getsockopt.HANDLE, Close.HANDLE, Open.HANDLE, IoctlPtr.HANDLE, IoctlInt.HANDLE,
                Fcntl.HANDLE, Eventfd.HANDLE, Readv.HANDLE, Writev.HANDLE, Read.HANDLE, Write.HANDLE);
    }
}
