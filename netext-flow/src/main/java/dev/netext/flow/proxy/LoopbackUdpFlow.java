package dev.netext.flow.proxy;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.UdpFlow;
import dev.netext.api.proxy.Datagram;
import dev.netext.api.proxy.ProxiedUdpFlow;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * A claimed UDP flow as a hosted provider sees it: a loopback socket the engine relays the flow's datagrams to (from
 * its upstream socket, connected here) and takes the answers from, which it passes on from the original destination.
 * {@code receive} ends (empty) after the idle timeout without a datagram, or once closed.
 */
final class LoopbackUdpFlow implements ProxiedUdpFlow {
    private final DatagramSocket socket;
    private final UdpFlow flow;
    private final Endpoint address;
    private final Runnable closed;
    private volatile SocketAddress engine; // the engine's upstream socket, learned from its first datagram
    private final DatagramPacket received = new DatagramPacket(new byte[65_536], 65_536);

    private LoopbackUdpFlow(DatagramSocket socket, UdpFlow flow, Runnable closed) {
        this.socket = socket;
        this.flow = flow;
        this.closed = closed;
        this.address = Endpoint.of((InetSocketAddress) socket.getLocalSocketAddress());
    }

    /** @param closed run once the flow is closed */
    static LoopbackUdpFlow open(UdpFlow flow, Duration idle, Runnable closed) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, idle.toMillis())));
        return new LoopbackUdpFlow(s, flow, closed);
    }

    /** Where the engine relays the flow's datagrams. */
    Endpoint address() { return address; }

    @Override public Flow flow() { return flow; }

    @Override public Endpoint originalDestination() { return flow.remote(); }

    @Override public Optional<HostnameInfo> hostname() { return flow.hostname(); }

    @Override
    public Optional<Datagram> receive() throws IOException {
        // one receive buffer of the UDP maximum per flow (not one per datagram); the caller gets a copy of its size
        synchronized (received) {
            while (true) {
                received.setLength(received.getData().length);
                try {
                    socket.receive(received);
                } catch (SocketTimeoutException | SocketException e) {
                    return Optional.empty(); // idle past the timeout, or closed
                }
                InetSocketAddress from = (InetSocketAddress) received.getSocketAddress();
                if (!from.getAddress().isLoopbackAddress()) continue;
                if (engine == null) engine = from;
                else if (!engine.equals(from)) continue; // only the engine's socket for this flow
                return Optional.of(new Datagram(flow.remote(),
                        ByteBuffer.wrap(Arrays.copyOf(received.getData(), received.getLength()))));
            }
        }
    }

    @Override
    public void send(Datagram datagram) throws IOException {
        SocketAddress to = engine;
        if (to == null) throw new IOException("flow " + flow.id() + ": nothing received yet, so no way back to the application");
        ByteBuffer b = datagram.payload().duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        socket.send(new DatagramPacket(bytes, bytes.length, to));
    }

    @Override
    public void close() {
        socket.close();
        closed.run();
    }

    @Override public void abort() { close(); }
}
