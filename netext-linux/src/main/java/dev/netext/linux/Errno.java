package dev.netext.linux;

import dev.netext.linux.ffm.Libc;

/** The errno values netext handles by name (asm-generic/errno-base.h, errno.h). */
public final class Errno {
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11,
            ENOMEM = 12, EACCES = 13, EBUSY = 16, EEXIST = 17, ENODEV = 19, EINVAL = 22, ENOSPC = 28,
            ERANGE = 34, ENOPROTOOPT = 92, ENOBUFS = 105, EOPNOTSUPP = 95, EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETUNREACH = 101,
            ETIMEDOUT = 110;

    private Errno() {}

    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM"; case ENOENT -> "ENOENT"; case ESRCH -> "ESRCH"; case EINTR -> "EINTR";
            case EIO -> "EIO"; case EBADF -> "EBADF"; case EAGAIN -> "EAGAIN"; case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES"; case EBUSY -> "EBUSY"; case EEXIST -> "EEXIST"; case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL"; case ENOSPC -> "ENOSPC"; case ERANGE -> "ERANGE"; case ENOPROTOOPT -> "ENOPROTOOPT"; case ENOBUFS -> "ENOBUFS";
            case EOPNOTSUPP -> "EOPNOTSUPP"; case EADDRINUSE -> "EADDRINUSE"; case EADDRNOTAVAIL -> "EADDRNOTAVAIL";
            case ENETUNREACH -> "ENETUNREACH"; case ETIMEDOUT -> "ETIMEDOUT";
            default -> "errno " + errno;
        };
    }

    /** The C library's text for {@code errno}; a hint is added where the usual cause is not obvious. */
    public static String describe(int errno) {
        String text = Libc.strerror(errno);
        if (errno == EPERM || errno == EACCES) text += "; netext needs root or CAP_NET_ADMIN for this";
        return text;
    }
}
