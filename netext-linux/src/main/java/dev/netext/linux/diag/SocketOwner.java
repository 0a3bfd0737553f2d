package dev.netext.linux.diag;

/**
 * What the kernel says about a socket through {@code sock_diag}: its owner's uid and its inode, the key to the
 * process that holds it (through {@code /proc/PID/fd}).
 *
 * @param family {@code AF_INET} or {@code AF_INET6} (a dual-stack socket answers a v4 lookup as {@code AF_INET6})
 * @param state  TCP state ({@link InetDiagH#TCP_ESTABLISHED}, …); UDP sockets report 7 (close) or 1 (connected)
 * @param uid    the socket's owner: the effective uid that created it (unsigned)
 * @param inode  the socket inode; 0 for a socket no file refers to (TIME_WAIT, a request socket)
 * @param cookie the kernel's socket cookie, unique for the boot
 */
public record SocketOwner(int family, int state, long uid, long inode, long cookie) {
    /** Whether a process can be found for this socket: it has an inode (it is a file in some process). */
    public boolean hasInode() { return inode != 0; }
}
