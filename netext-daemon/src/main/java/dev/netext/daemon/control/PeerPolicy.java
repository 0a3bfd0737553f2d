package dev.netext.daemon.control;

import java.nio.file.attribute.UserPrincipal;

/**
 * Who may use the control socket: root, and the user the daemon runs as. The socket file is mode 0600 as a first
 * line of defence; the peer's credentials from the kernel ({@code SO_PEERCRED}) are the second, and the one that
 * holds if the file's mode is ever loosened or the socket is passed on.
 */
final class PeerPolicy {
    private PeerPolicy() {}

    static boolean allowed(UserPrincipal peer) {
        if (peer == null) return false;
        String name = peer.getName();
        return name.equals("root") || name.equals("0") || name.equals(System.getProperty("user.name"));
    }
}
