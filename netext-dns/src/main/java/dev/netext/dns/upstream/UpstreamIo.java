package dev.netext.dns.upstream;

import dev.netext.linux.ffm.Libc;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.UnixChannel;

import java.security.SecureRandom;

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

    /** A random 16-bit query ID. */
    int nextId() { return random.nextInt(0x10000); }
}
