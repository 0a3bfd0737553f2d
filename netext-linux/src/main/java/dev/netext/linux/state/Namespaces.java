package dev.netext.linux.state;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Network-namespace identity, by the inode of its nsfs file: what tells ledgers of different namespaces apart. */
final class Namespaces {
    private Namespaces() {}

    static long currentInode() throws IOException {
        return inode(Path.of("/proc/self/ns/net"));
    }

    /** Inodes of the namespaces known to exist: the init namespace and every {@code /run/netns} mount. */
    static List<Long> existingInodes() {
        List<Long> out = new ArrayList<>();
        try {
            out.add(inode(Path.of("/proc/1/ns/net")));
        } catch (IOException ignored) {
            // not readable: only our own namespace counts as known
        }
        Path netns = Path.of("/run/netns");
        if (Files.isDirectory(netns)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(netns)) {
                for (Path p : ds) {
                    try {
                        out.add(inode(p));
                    } catch (IOException ignored) {
                        // being deleted
                    }
                }
            } catch (IOException ignored) {
                // unreadable directory
            }
        }
        return out;
    }

    private static long inode(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
    }
}
