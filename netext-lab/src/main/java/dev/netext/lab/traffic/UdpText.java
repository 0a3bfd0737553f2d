package dev.netext.lab.traffic;

import dev.netext.linux.netns.NetworkNamespace;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A UDP socket in a lab namespace that sends and receives short ASCII texts, one a datagram: the sender and the
 * receiver of tests that watch what a filter lets through, rewrites or holds back. Created inside its namespace, it
 * may then be used from any thread.
 */
public final class UdpText implements AutoCloseable {
    private final DatagramSocket socket;

    private UdpText(DatagramSocket socket) {
        this.socket = socket;
    }

    /** Binds {@code address:port} (port 0 picks one) in {@code ns}; {@link #receive} waits at most {@code timeout}. */
    public static UdpText open(NetworkNamespace ns, String address, int port, Duration timeout) throws Exception {
        return ns.runInside(() -> {
            DatagramSocket s = new DatagramSocket(new InetSocketAddress(address, port));
            s.setSoTimeout(Math.toIntExact(timeout.toMillis()));
            return new UdpText(s);
        });
    }

    public void send(String text, String address, int port) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        socket.send(new DatagramPacket(b, b.length, new InetSocketAddress(address, port)));
    }

    /** The next datagram's text, or null when none came within the timeout. */
    public String receive() throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
        try {
            socket.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
    }

    @Override
    public void close() { socket.close(); }
}
