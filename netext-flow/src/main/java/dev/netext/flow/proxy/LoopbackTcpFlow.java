package dev.netext.flow.proxy;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.proxy.ProxiedTcpFlow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/** A claimed TCP flow as a hosted provider sees it: the engine's loopback connection, blocking. */
final class LoopbackTcpFlow implements ProxiedTcpFlow {
    private static final Logger LOG = LoggerFactory.getLogger(LoopbackTcpFlow.class);

    private final SocketChannel ch;
    private final TcpFlow flow;

    LoopbackTcpFlow(SocketChannel ch, TcpFlow flow) {
        this.ch = ch;
        this.flow = flow;
    }

    @Override public Flow flow() { return flow; }

    @Override public Endpoint originalDestination() { return flow.remote(); }

    @Override public Optional<HostnameInfo> hostname() { return flow.hostname(); }

    @Override public int read(ByteBuffer dst) throws IOException { return ch.read(dst); }

    @Override
    public void write(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) ch.write(src);
    }

    @Override public void shutdownOutput() throws IOException { ch.shutdownOutput(); }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.debug("flow {}: close: {}", flow.id(), e.toString());
        }
    }

    @Override public void abort() { abort(ch); }

    /** Closes with SO_LINGER 0: a reset, which the engine passes on to the client. */
    static void abort(SocketChannel ch) {
        try {
            if (ch.isOpen()) ch.setOption(StandardSocketOptions.SO_LINGER, 0);
            ch.close();
        } catch (IOException e) {
            LOG.debug("abort: {}", e.toString());
        }
    }
}
