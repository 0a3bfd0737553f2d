package dev.netext.tunnel.linux;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** Undo of a ledger's {@code file} entries: files a provider owned, such as a control socket. */
final class OwnedFiles {
    private OwnedFiles() {}

    /**
     * Deletes {@code path} unless it is a socket that something answers on: a name like
     * {@code /var/run/wireguard/wg0.sock} may have been taken, since the crash, by a live process that is not ours.
     */
    static void deleteIfAbandoned(Path path) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (a.isOther() && answers(path)) return;
        Files.deleteIfExists(path);
    }

    private static boolean answers(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return c.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }
}
