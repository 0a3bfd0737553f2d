package dev.netext.linux;

import java.io.IOException;

/**
 * A failed system call or netlink request: which operation, the errno, its symbolic name and the kernel's text.
 * {@code "RTM_NEWROUTE 10.7.0.0/24: EEXIST (File exists)"} tells a user more than a stack trace.
 */
public final class LinuxException extends IOException {
    private final int errno;

    public LinuxException(String operation, int errno) {
        this(operation, errno, null);
    }

    /**
     * With the kernel's own explanation appended when there is one (netlink extended ACK, {@code NLMSGERR_ATTR_MSG}):
     * {@code "RTM_NEWROUTE 10.7.0.0/24: EINVAL (Invalid argument): Nexthop has invalid gateway"}.
     */
    public LinuxException(String operation, int errno, String kernelMessage) {
        super(operation + ": " + Errno.name(errno) + " (" + Errno.describe(errno) + ")"
                + (kernelMessage == null || kernelMessage.isBlank() ? "" : ": " + kernelMessage));
        this.errno = errno;
    }

    public int errno() { return errno; }

    public boolean is(int code) { return errno == code; }
}
