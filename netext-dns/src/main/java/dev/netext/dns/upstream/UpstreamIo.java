package dev.netext.dns.upstream;

import dev.netext.linux.ffm.Libc;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.UnixChannel;

import io.netty.util.concurrent.EventExecutor;

import java.net.SocketAddress;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * What upstreams share: the I/O threads, the socket mark that keeps netext's own queries out of interception
 * ({@link dev.netext.api.ProviderContext#bypassMark}), and the random source for IDs and port choice.
 */
public record UpstreamIo(EventLoopGroup group, int bypassMark, SecureRandom random) {

    public UpstreamIo(EventLoopGroup group, int bypassMark) {
        this(group, bypassMark, new SecureRandom());
    }

    /** Sets SO_MARK on a new upstream socket when a mark is configured (needs CAP_NET_ADMIN). */
    void mark(Channel ch) {
        if (bypassMark == 0 || !(ch instanceof UnixChannel u)) return;
        try {
            Libc.setsockopt(u.fd().intValue(), Libc.SOL_SOCKET, Libc.SO_MARK, bypassMark);
        } catch (Exception e) {
            throw new IllegalStateException("cannot set SO_MARK " + bypassMark + " on an upstream socket: " + e.getMessage(), e);
        }
    }

    /**
     * Opens a TCP connection to an upstream server (DNS over TCP, TLS or HTTPS): on these I/O threads, marked, without
     * Nagle (a query is one small write that waits for its answer), given {@code connectTimeoutMillis} (at least 100
     * ms); {@code handlers} fills the new channel's pipeline.
     */
    ChannelFuture connectTcp(SocketAddress server, long connectTimeoutMillis, Consumer<ChannelPipeline> handlers) {
        return new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(100, connectTimeoutMillis))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override protected void initChannel(Channel ch) {
                        mark(ch);
                        handlers.accept(ch.pipeline());
                    }
                })
                .connect(server);
    }

    /**
     * Runs {@code task} now when the caller is one of the I/O threads, else on one of them; a task that throws, or
     * cannot be scheduled (the host is stopping), fails {@code result}. Upstream sockets are opened inside such
     * tasks: a socket belongs to the network namespace of the thread that creates it, and only the I/O threads are
     * sure to be in the host's (a provider's virtual thread may be carried by a thread of another namespace when the
     * host was started inside one with setns).
     */
    void onIoThread(Runnable task, CompletableFuture<?> result) {
        Runnable guarded = () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                result.completeExceptionally(new UpstreamException(UpstreamException.Kind.UNAVAILABLE, e.toString()));
            }
        };
        for (EventExecutor e : group) {
            if (e.inEventLoop()) {
                guarded.run();
                return;
            }
        }
        try {
            group.next().execute(guarded);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new UpstreamException(UpstreamException.Kind.CLOSED, "the DNS host is stopping"));
        }
    }

    /** A random 16-bit query ID. */
    int nextId() { return random.nextInt(0x10000); }
}
