package dev.netext.linux.tcp;

import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.LinuxException;
import dev.netext.linux.diag.SockDiag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TCP_INFO of both ends of a loopback connection, read through {@link TcpInfo}, against the bytes the test moved. */
class TcpInfoKernelTest {
    private static final int TCP_ESTABLISHED = 1;

    @Test
    void byteCountersOfBothEndsMatchWhatWasSent() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 1, loopback);
             Socket client = new Socket(loopback, server.getLocalPort());
             Socket accepted = server.accept()) {
            client.getOutputStream().write(new byte[100_000]);
            assertThat(accepted.getInputStream().readNBytes(100_000)).hasSize(100_000);
            accepted.getOutputStream().write(new byte[123]);
            assertThat(client.getInputStream().readNBytes(123)).hasSize(123);

            int clientFd = fdOf(client), acceptedFd = fdOf(accepted);
            // a delayed ACK may still be on its way: the sender's acked count settles within a few ms on loopback;
            TcpInfo c = await(clientFd, i -> i.bytesAcked() == 100_001);
            TcpInfo a = await(acceptedFd, i -> i.bytesAcked() == 123);
            assertThat(c.length()).isGreaterThanOrEqualTo(TcpInfo.MIN_LENGTH);
            assertThat(c.state()).isEqualTo(TCP_ESTABLISHED);
            assertThat(c.bytesAcked()).isEqualTo(100_001); // the active opener's SYN counts as one byte acked
            assertThat(c.bytesReceived()).isEqualTo(123);
            assertThat(a.bytesAcked()).isEqualTo(123);
            assertThat(a.bytesReceived()).isEqualTo(100_000);
            assertThat(c.segmentsOut()).isGreaterThanOrEqualTo(2); // SYN and at least one data segment
            assertThat(a.segmentsIn()).isGreaterThanOrEqualTo(2);
            assertThat(c.rttMicros()).isPositive();
        }
    }

    @Test
    void aStructShorterThanTheFieldsReadIsRefused() {
        assertThatThrownBy(() -> TcpInfo.of(ByteBuffer.allocate(TcpInfo.MIN_LENGTH - 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(TcpInfo.of(ByteBuffer.allocate(TcpInfo.MIN_LENGTH)).bytesAcked()).isZero();
    }

    @Test
    void aFdThatIsNoSocketIsALinuxException() {
        assertThatThrownBy(() -> TcpInfo.read(0x7ffffff0)).isInstanceOf(LinuxException.class);
    }

    private static TcpInfo await(int fd, Predicate<TcpInfo> settled) throws Exception {
        long deadline = System.nanoTime() + 2_000_000_000L;
        TcpInfo info = TcpInfo.read(fd);
        while (!settled.test(info) && System.nanoTime() < deadline) {
            Thread.sleep(5);
            info = TcpInfo.read(fd);
        }
        return info;
    }

    /** This JVM's fd of {@code socket}: its inode from sock_diag, then the /proc/self/fd link naming it. */
    private static int fdOf(Socket socket) throws IOException {
        long inode;
        try (SockDiag diag = SockDiag.open()) {
            inode = diag.lookup(TransportProtocol.TCP, (InetSocketAddress) socket.getLocalSocketAddress(),
                    (InetSocketAddress) socket.getRemoteSocketAddress()).orElseThrow().inode();
        }
        String link = "socket:[" + inode + "]";
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().equals(link);
                } catch (IOException e) {
                    return false; // the fd closed meanwhile (the listing's own)
                }
            }).mapToInt(p -> Integer.parseInt(p.getFileName().toString())).findFirst().orElseThrow();
        }
    }
}
