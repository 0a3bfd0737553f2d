package dev.netext.flow.engine;

import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;
import dev.netext.linux.splice.SplicePipe;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;

/**
 * Relays an allowed flow that nobody watches in the kernel, on the flow's own event loop:
 * <pre>
 *   client socket ─splice→ pipe (1 MiB) ─splice→ upstream socket
 *   upstream socket ─splice→ pipe (1 MiB) ─splice→ client socket
 * </pre>
 * Both channels leave Netty's epoll set (deregistered, still open) and their fds are registered here,
 * edge-triggered for in, out and peer shutdown. Any event on either socket pumps both directions until the kernel
 * says EAGAIN (so no edge is lost): drain the pipe into the destination, then fill it from the source. A FIN read is
 * forwarded as {@code shutdown(SHUT_WR)} once the pipe is empty. When both directions ended, or on an error, the
 * channels go back to the event loop and are closed there (an error resets the peer's side, as the relay did), so
 * the flow's handler sees {@code channelInactive} as before, with exact byte counts.
 *
 * <p>Ordering: the flow's held first bytes, and any bytes Netty still reads before the channels leave its epoll set
 * (a read asked for while peeking, or the read Netty makes on a peer's shutdown whatever its auto-read), are caught
 * by a handler put first in each pipeline and written here, in order, before anything spliced; a shutdown Netty saw
 * is forwarded here too, after them.
 *
 * <p>Why not Netty's {@code spliceTo}: its pipe is the default 16 pages, so every 64 KiB costs an epoll wake-up, a
 * write task, a flush and two to three system calls; here a wake-up moves up to a megabyte each way.
 */
final class KernelSplice {
    private static final Logger log = LoggerFactory.getLogger(KernelSplice.class);
    static final int PIPE_SIZE = 1 << 20;
    /** Bytes one pump moves per direction before yielding the event loop to other flows. */
    static final long PUMP_BUDGET = 4L << 20;

    /** What the flow learns when the relay ends. */
    interface Finished {
        /** On the event loop, after both channels are back on it, before they are closed. */
        void finished(long clientToUpstream, long upstreamToClient, Throwable error);
    }

    private final EpollSocketChannel client, upstream;
    private final IoEventLoop loop;
    private final Finished done;
    private final Direction out, in;
    private IoRegistration clientReg, upstreamReg;
    private boolean pumpQueued, ended;

    /** One way: bytes read from {@code from} wait in {@code pipe} until {@code to} takes them. */
    private static final class Direction {
        final int from, to;
        final SplicePipe pipe;
        /** Bytes read through Netty before the splice took over: written first. */
        MemorySegment preface = MemorySegment.NULL;
        long prefaceOffset;
        long moved;
        boolean eof, shut;

        Direction(int from, int to, SplicePipe pipe) {
            this.from = from;
            this.to = to;
            this.pipe = pipe;
        }

        boolean finished() { return shut; }
    }

    private KernelSplice(EpollSocketChannel client, EpollSocketChannel upstream, SplicePipe out, SplicePipe in,
                         Finished done) {
        this.client = client;
        this.upstream = upstream;
        this.loop = (IoEventLoop) client.eventLoop();
        this.done = done;
        int c = client.fd().intValue(), u = upstream.fd().intValue();
        this.out = new Direction(c, u, out);
        this.in = new Direction(u, c, in);
    }

    /**
     * Starts relaying; call on the flow's event loop, with both channels connected there and nothing pending in
     * their outbound buffers. {@code first} (may be null; released here) goes to the upstream before anything else,
     * {@code firstToClient} (may be null; released here: server bytes read along with a proxy's reply) to the client.
     */
    static void start(EpollSocketChannel client, EpollSocketChannel upstream, ByteBuf first, ByteBuf firstToClient,
                      Finished done) throws LinuxException {
        SplicePipe out, in;
        try {
            out = SplicePipe.open(PIPE_SIZE);
        } catch (LinuxException | RuntimeException e) {
            if (first != null) first.release();
            if (firstToClient != null) firstToClient.release();
            throw e;
        }
        try {
            in = SplicePipe.open(PIPE_SIZE);
        } catch (LinuxException | RuntimeException e) {
            out.close();
            if (first != null) first.release();
            if (firstToClient != null) firstToClient.release();
            throw e;
        }
        KernelSplice s = new KernelSplice(client, upstream, out, in, done);
        s.prepend(s.out, first);
        s.prepend(s.in, firstToClient);
        client.config().setAutoRead(false);
        upstream.config().setAutoRead(false);
        client.pipeline().addFirst(new Capture(s, s.out));
        upstream.pipeline().addFirst(new Capture(s, s.in));
        client.deregister().addListener(a -> upstream.deregister().addListener(b -> s.register()));
    }

    /** Appends {@code bytes} (released here) to what {@code d} writes before splicing. */
    private void prepend(Direction d, ByteBuf bytes) {
        try {
            int n = bytes == null ? 0 : bytes.readableBytes();
            if (n == 0 || ended) return;
            long kept = d.preface.byteSize() - d.prefaceOffset;
            MemorySegment grown = Arena.ofAuto().allocate(kept + n); // small, rare: left to the GC
            MemorySegment.copy(d.preface, d.prefaceOffset, grown, 0, kept);
            MemorySegment.copy(MemorySegment.ofBuffer(bytes.nioBuffer()), 0, grown, kept, n);
            d.preface = grown;
            d.prefaceOffset = 0;
        } finally {
            if (bytes != null) bytes.release();
        }
    }

    /**
     * First in a channel's pipeline while the splice runs: bytes Netty reads go to the splice's preface, a shutdown
     * it sees becomes the splice's end of input (the socket is shut for reading, so the splice reads EOF too).
     */
    private static final class Capture extends ChannelInboundHandlerAdapter {
        private final KernelSplice splice;
        private final Direction from;

        Capture(KernelSplice splice, Direction from) {
            this.splice = splice;
            this.from = from;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) splice.prepend(from, b);
            else ctx.fireChannelRead(msg);
        }

        @Override public void channelReadComplete(ChannelHandlerContext ctx) { }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof ChannelInputShutdownEvent)) ctx.fireUserEventTriggered(evt);
        }
    }

    private void register() {
        if (!client.isOpen() || !upstream.isOpen()) {
            end(new ClosedChannelException());
            return;
        }
        EpollIoOps ops = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLOUT).with(EpollIoOps.EPOLLRDHUP)
                .with(EpollIoOps.EPOLLET);
        loop.register(new Side(client.fd())).addListener((Future<IoRegistration> c) -> {
            if (!c.isSuccess()) {
                end(c.cause());
                return;
            }
            clientReg = c.getNow();
            loop.register(new Side(upstream.fd())).addListener((Future<IoRegistration> u) -> {
                if (!u.isSuccess()) {
                    end(u.cause());
                    return;
                }
                upstreamReg = u.getNow();
                try {
                    clientReg.submit(ops);
                    upstreamReg.submit(ops);
                } catch (RuntimeException e) {
                    end(e);
                    return;
                }
                pump(); // bytes may have arrived while the channels changed hands: no edge will announce them
            });
        });
    }

    /** Both ways until EAGAIN, within the budget; then, when both ended, hands the channels back. */
    private void pump() {
        pumpQueued = false;
        if (ended) return;
        try {
            boolean more = pump(out) | pump(in);
            if (out.finished() && in.finished()) end(null);
            else if (more && !pumpQueued) {
                pumpQueued = true;
                loop.execute(this::pump); // budget spent with bytes waiting: let other flows run first
            }
        } catch (LinuxException | RuntimeException e) {
            end(e);
        }
    }

    /** One direction; true when it stopped for the budget with bytes still waiting. */
    private static boolean pump(Direction d) throws LinuxException {
        long budget = PUMP_BUDGET;
        while (d.prefaceOffset < d.preface.byteSize()) {
            int n = Libc.write(d.to, d.preface.asSlice(d.prefaceOffset), d.preface.byteSize() - d.prefaceOffset);
            if (n < 0) return false; // destination full: its EPOLLOUT edge resumes
            d.prefaceOffset += n;
            d.moved += n;
        }
        while (!d.shut) {
            while (d.pipe.held() > 0) {
                long n = d.pipe.drain(d.to);
                if (n == SplicePipe.AGAIN) return false; // destination full: its EPOLLOUT edge resumes
                d.moved += n;
                budget -= n;
            }
            if (d.eof) {
                d.shut = true;
                try {
                    Libc.shutdown(d.to, Libc.SHUT_WR);
                } catch (LinuxException e) {
                    // ENOTCONN: the destination is closed already; the other direction ends on its own error or EOF
                }
                return false;
            }
            if (budget <= 0) return true;
            long n = d.pipe.fill(d.from, PIPE_SIZE);
            if (n == SplicePipe.AGAIN) return false; // source empty (the pipe was just drained): its EPOLLIN resumes
            if (n == 0) d.eof = true;
        }
        return false;
    }

    /** Cancels the registrations, puts both channels back on the loop, reports, and closes them. */
    private void end(Throwable error) {
        if (ended) return;
        ended = true;
        if (clientReg != null) clientReg.cancel();
        if (upstreamReg != null) upstreamReg.cancel();
        out.pipe.close();
        in.pipe.close();
        if (error != null) log.debug("splice of {} ended: {}", client, error.toString());
        loop.register(client).addListener(c -> loop.register(upstream).addListener(u -> {
            try {
                done.finished(out.moved, in.moved, error);
            } finally {
                if (error != null) {
                    client.config().setSoLinger(0); // the side still open sees a reset, as with the relay
                    upstream.config().setSoLinger(0);
                }
                client.close();
                upstream.close();
            }
        }));
    }

    /** One socket's readiness: any event pumps both directions. */
    private final class Side implements EpollIoHandle {
        private final FileDescriptor fd;

        Side(FileDescriptor fd) { this.fd = fd; }

        @Override public FileDescriptor fd() { return fd; }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            if (!pumpQueued) pump();
        }

        @Override
        public void close() {
            // the event loop is shutting down: the channels are closed with it
            if (!ended) {
                ended = true;
                out.pipe.close();
                in.pipe.close();
                        client.unsafe().closeForcibly();
                upstream.unsafe().closeForcibly();
            }
        }
    }
}
