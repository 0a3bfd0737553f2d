package dev.netext.linux.diag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.flow.ProcessInfo;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.linux.sys.HostPackages;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** {@link ProcessAttributor#attributeQuickly}: a known process from the caches, else nothing (the full attribution). */
class ProcessAttributorQuickTest {

    @Test
    void answersForAProcessItKnowsAndNotForANewOne() throws Exception {
        HostPackages.require("python3");
        int me = (int) ProcessHandle.current().pid();
        try (ProcessAttributor attributor = ProcessAttributor.open();
             ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            try (Socket first = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort()); Socket a = server.accept()) {
                assertThat(attributor.attributeQuickly(TransportProtocol.TCP, local(first), remote(first)))
                        .as("nothing known yet").isNull();
                ProcessInfo full = attributor.attribute(TransportProtocol.TCP, local(first), remote(first));
                assertThat(full.pid()).hasValue(me);
            }
            // the next socket of the same process (usually at the fd the last one had): from the caches
            ProcessInfo quick = null;
            for (int i = 0; i < 5 && quick == null; i++) {
                try (Socket next = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort()); Socket a = server.accept()) {
                    quick = attributor.attributeQuickly(TransportProtocol.TCP, local(next), remote(next));
                    if (quick == null) attributor.attribute(TransportProtocol.TCP, local(next), remote(next));
                }
            }
            assertThat(quick).isNotNull();
            assertThat(quick.pid()).hasValue(me);
            assertThat(quick.commandLine()).isNotEmpty();
            assertThat(attributor.facts().hits()).isPositive();

            // another process's socket: never read, so not answered quickly
            Process other = new ProcessBuilder("python3", "-c", "import socket,sys; s=socket.create_connection(('127.0.0.1', "
                    + server.getLocalPort() + ")); print(s.getsockname()[1], flush=True); sys.stdin.readline()").start();
            try (Socket a = server.accept()) {
                int port = Integer.parseInt(new BufferedReader(new InputStreamReader(other.getInputStream())).readLine().trim());
                InetSocketAddress otherLocal = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
                InetSocketAddress otherRemote = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
                assertThat(attributor.attributeQuickly(TransportProtocol.TCP, otherLocal, otherRemote)).isNull();
                assertThat(attributor.attribute(TransportProtocol.TCP, otherLocal, otherRemote).pid()).hasValue((int) other.pid());
            } finally {
                other.destroyForcibly().waitFor();
            }
        }
    }

    private static InetSocketAddress local(Socket s) { return (InetSocketAddress) s.getLocalSocketAddress(); }

    private static InetSocketAddress remote(Socket s) { return (InetSocketAddress) s.getRemoteSocketAddress(); }
}
