package dev.netext.linux.diag;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProcFdIndexTest {

    static Set<Long> ownSocketInodes() throws IOException {
        Set<Long> out = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    long ino = ProcFdIndex.socketInode(Files.readSymbolicLink(fd).toString());
                    if (ino > 0) out.add(ino);
                } catch (IOException e) {
                    // the directory stream's own fd, gone
                }
            }
        }
        return out;
    }

    @Test
    void socketInodeParsing() {
        assertThat(ProcFdIndex.socketInode("socket:[12345]")).isEqualTo(12345);
        assertThat(ProcFdIndex.socketInode("socket:[]")).isEqualTo(-1);
        assertThat(ProcFdIndex.socketInode("socket:[12a]")).isEqualTo(-1);
        assertThat(ProcFdIndex.socketInode("pipe:[12]")).isEqualTo(-1);
        assertThat(ProcFdIndex.socketInode("/dev/null")).isEqualTo(-1);
        assertThat(ProcFdIndex.socketInode("socket:[99999999999999999999999]")).isEqualTo(-1);
    }

    @Test
    void findsThisProcessAndInvalidatesTheCacheWhenTheSocketCloses() throws Exception {
        try (ServerSocketChannel warmUp = ServerSocketChannel.open()) {
            warmUp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)); // the JDK's own first sockets
        }
        Set<Long> before = ownSocketInodes();
        ProcFdIndex index = new ProcFdIndex();
        int me = (int) ProcessHandle.current().pid();
        long inode;
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Set<Long> after = ownSocketInodes();
            after.removeAll(before);
            assertThat(after).hasSize(1);
            inode = after.iterator().next();
            assertThat(index.pidOf(inode, -1)).isEqualTo(me);
            assertThat(index.scans()).isEqualTo(1);
            assertThat(index.pidOf(inode, 0)).isEqualTo(me);
            assertThat(index.cacheHits()).isEqualTo(1);
            assertThat(index.scans()).isEqualTo(1);
            int fd = index.fdOf(inode, me);
            assertThat(fd).isPositive();
            assertThat(index.holds(me, fd, inode)).isTrue();
        }
        assertThat(index.pidOf(inode, -1)).isEqualTo(-1); // cached answer checked, found wrong, rescanned
        assertThat(index.scans()).isEqualTo(2);
        assertThat(index.pidOf(0, -1)).isEqualTo(-1);
    }
}
