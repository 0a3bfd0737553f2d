package dev.netext.flow.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Runs an {@link UpstreamHandshake} on a freshly connected channel (AUTO_READ off: it asks for each read itself),
 * then completes {@code done}. It stays in the pipeline until its owner removes it; on removal, server bytes that
 * came after the handshake (a server-first protocol's banner) are passed on to the next handler, so none is lost.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    private final UpstreamHandshake handshake;
    private final Promise<Void> done;
    private final Duration timeout;
    private ByteBuf pending = Unpooled.EMPTY_BUFFER;
    private ScheduledFuture<?> timer;
    private boolean finished;
    private long sent, received;

    public HandshakeHandler(UpstreamHandshake handshake, Promise<Void> done, Duration timeout) {
        this.handshake = handshake;
        this.done = done;
        this.timeout = timeout;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> fail(ctx, new IOException("proxy handshake timed out after "
                + timeout.toMillis() + " ms")), timeout.toNanos(), TimeUnit.NANOSECONDS);
        byte[] first = handshake.start();
        sent += first.length;
        ctx.writeAndFlush(Unpooled.wrappedBuffer(first));
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (finished) { // not asked for, but keep it for the next handler
            pending = append(ctx, pending, in);
            return;
        }
        pending = append(ctx, pending, in);
        try {
            while (true) {
                ByteBuffer view = pending.nioBuffer();
                int before = view.position();
                UpstreamHandshake.Step step = handshake.receive(view);
                pending.skipBytes(view.position() - before);
                received += view.position() - before;
                switch (step) {
                    case UpstreamHandshake.Step.More m -> {
                        if (pending.readableBytes() > UpstreamHandshake.MAX_PENDING)
                            throw new IOException("proxy sent more than " + UpstreamHandshake.MAX_PENDING + " bytes without completing a message");
                        ctx.read();
                        return;
                    }
                    case UpstreamHandshake.Step.Send s -> {
                        sent += s.bytes().length;
                        ctx.writeAndFlush(Unpooled.wrappedBuffer(s.bytes()));
                        if (!pending.isReadable()) {
                            ctx.read();
                            return;
                        }
                    }
                    case UpstreamHandshake.Step.Done d -> {
                        finished = true;
                        if (timer != null) timer.cancel(false);
                        done.trySuccess(null);
                        return;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            fail(ctx, e);
        }
    }

    /** Bytes the handshake wrote to the proxy: TCP counters of the upstream socket include them. */
    public long bytesSent() { return sent; }

    /** Bytes of the proxy's answers the handshake consumed (not the application bytes after them). */
    public long bytesReceived() { return received; }

    private static ByteBuf append(ChannelHandlerContext ctx, ByteBuf acc, ByteBuf more) {
        if (!acc.isReadable()) {
            acc.release();
            return more;
        }
        ByteBuf grown = ctx.alloc().heapBuffer(acc.readableBytes() + more.readableBytes());
        grown.writeBytes(acc).writeBytes(more);
        acc.release();
        more.release();
        return grown;
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        if (finished) return;
        finished = true;
        if (timer != null) timer.cancel(false);
        done.tryFailure(cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, new IOException("proxy closed the connection during the handshake"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!finished) fail(ctx, cause);
        else ctx.fireExceptionCaught(cause);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) timer.cancel(false);
        ByteBuf rest = pending;
        pending = Unpooled.EMPTY_BUFFER;
        if (rest.isReadable() && ctx.channel().isActive()) {
            ctx.fireChannelRead(rest);
            ctx.fireChannelReadComplete();
        } else {
            rest.release();
        }
    }
}
