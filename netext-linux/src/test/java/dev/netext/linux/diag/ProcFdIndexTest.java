package dev.netext.linux.diag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.linux.sys.HostPackages;
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

    /** A new socket of this process, as the kernel numbered it. */
    private static long newSocketInode(Set<Long> before) throws IOException {
        Set<Long> after = ownSocketInodes();
        after.removeAll(before);
        assertThat(after).hasSize(1);
        return after.iterator().next();
    }

    @Test
    void aRecentHolderAnswersWithoutAScanOfEveryProcess() throws Exception {
        try (ServerSocketChannel warmUp = ServerSocketChannel.open()) {
            warmUp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }
        ProcFdIndex index = new ProcFdIndex();
        int me = (int) ProcessHandle.current().pid();
        java.util.List<ServerSocketChannel> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                Set<Long> before = ownSocketInodes();
                ServerSocketChannel s = ServerSocketChannel.open(); // kept open: each gets a new, higher fd
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                open.add(s);
                long inode = newSocketInode(before);
                assertThat(index.pidOf(inode, -1)).isEqualTo(me);
                assertThat(index.holds(me, index.fdOf(inode, me), inode)).isTrue();
            }
            assertThat(index.scans()).isEqualTo(20);
            assertThat(index.recentHolderHits()).isEqualTo(19); // all but the first, which found this process
            for (int i = 0; i < 20; i++) { // close and reopen: the kernel reuses the lowest free fd
                Set<Long> before = ownSocketInodes();
                open.remove(0).close();
                before.retainAll(ownSocketInodes());
                ServerSocketChannel s = ServerSocketChannel.open();
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                open.add(s);
                assertThat(index.pidOf(newSocketInode(before), -1)).isEqualTo(me);
            }
            assertThat(index.recentHolderHits()).isEqualTo(39);
        } finally {
            for (ServerSocketChannel s : open) s.close();
        }
    }

    @Test
    void aHolderThatExitedIsForgottenAndTheNextSocketIsStillFound() throws Exception {
        HostPackages.require("python3");
        Process child = new ProcessBuilder("python3", "-c", "import socket,sys,time\n"
                + "s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(); print('up', flush=True); time.sleep(60)").start();
        ProcFdIndex index = new ProcFdIndex();
        try {
            assertThat(new String(child.getInputStream().readNBytes(3))).isEqualTo("up\n");
            long childSocket = -1;
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/" + child.pid() + "/fd"))) {
                for (Path fd : fds) {
                    long ino = ProcFdIndex.socketInode(Files.readSymbolicLink(fd).toString());
                    if (ino > 0) childSocket = ino;
                }
            }
            assertThat(index.pidOf(childSocket, -1)).isEqualTo((int) child.pid());
            assertThat(index.recentHolders()).containsExactly((int) child.pid());
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        Set<Long> before = ownSocketInodes();
        try (ServerSocketChannel s = ServerSocketChannel.open()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertThat(index.pidOf(newSocketInode(before), -1)).isEqualTo((int) ProcessHandle.current().pid());
        }
        assertThat(index.recentHolders()).containsExactly((int) ProcessHandle.current().pid());
    }
}
