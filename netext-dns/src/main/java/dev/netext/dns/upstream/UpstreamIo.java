package dev.netext.dns.upstream;

import dev.netext.linux.ffm.Libc;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.UnixChannel;

import io.netty.util.concurrent.EventExecutor;

import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

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
