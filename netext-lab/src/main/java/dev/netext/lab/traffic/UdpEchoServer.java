package dev.netext.lab.traffic;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP echo server (RFC 862) on a platform thread: the far end of a path that has no reflector of its own. Open it
 * inside {@code NetworkNamespace.runInside} so its socket lives in that namespace; it may then run anywhere.
 */
public final class UdpEchoServer implements AutoCloseable {
    private final DatagramChannel channel;
    private final Thread thread;
    private final AtomicLong echoed = new AtomicLong();

    private UdpEchoServer(DatagramChannel channel) {
        this.channel = channel;
        this.thread = Thread.ofPlatform().daemon(true).name("udp-echo").start(this::serve);
    }

    /** Binds {@code address} (port 0 picks one) in the calling thread's namespace and starts echoing. */
    public static UdpEchoServer open(InetSocketAddress address) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        ch.bind(address);
        return new UdpEchoServer(ch);
    }

    public InetSocketAddress localAddress() throws IOException { return (InetSocketAddress) channel.getLocalAddress(); }

    /** Datagrams received, each echoed at once: counted before its echo leaves. */
    public long echoed() { return echoed.get(); }

    private void serve() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65_536);
        try {
            while (true) {
                buf.clear();
                SocketAddress from = channel.receive(buf);
                buf.flip();
                echoed.incrementAndGet(); // before the echo: a peer that has its answer sees it counted
                channel.send(buf, from);
            }
        } catch (ClosedChannelException e) {
            // closed: done
        } catch (IOException e) {
            // the namespace went away under us
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
