package dev.netext.wireguard.uapi;

/** A {@code set} that failed: the errno the UAPI reports ({@code errno=N}) and why. */
final class UapiException extends Exception {
    static final int EIO = 5, EINVAL = 22, EPROTO = 71, EADDRINUSE = 98;

    private final int errno;

    UapiException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    int errno() { return errno; }
}
