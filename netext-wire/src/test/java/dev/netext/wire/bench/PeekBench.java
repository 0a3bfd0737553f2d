package dev.netext.wire.bench;

import dev.netext.wire.peek.HttpRequestPeeker;
import dev.netext.wire.peek.PeekStatus;
import dev.netext.wire.peek.PeekVectors;
import dev.netext.wire.peek.QuicInitialPeeker;
import dev.netext.wire.peek.TlsClientHelloPeeker;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Naming a flow from its first bytes: SNI from curl's 517-byte TLS 1.3 ClientHello, Host from curl's GET, SNI from
 * the RFC 9001 A.2 QUIC Initial (header protection + AES-GCM over 1162 bytes + frames + ClientHello), with the
 * Initial keys cached (same connection ID) and re-derived every time (two connection IDs alternating).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PeekBench {
    private final ByteBuffer tls = ByteBuffer.wrap(PeekVectors.load("curl-tls13-clienthello.hex"));
    private final ByteBuffer http = ByteBuffer.wrap(PeekVectors.load("curl-http-get.hex"));
    private final ByteBuffer quicV1 = ByteBuffer.wrap(PeekVectors.load("rfc9001-a2-client-initial.hex"));
    private final ByteBuffer quicV2 = ByteBuffer.wrap(PeekVectors.load("rfc9369-a2-client-initial.hex"));
    private final TlsClientHelloPeeker tlsPeeker = new TlsClientHelloPeeker();
    private final HttpRequestPeeker httpPeeker = new HttpRequestPeeker();
    private final QuicInitialPeeker quicPeeker = new QuicInitialPeeker();
    private boolean flip;

    @Benchmark
    public boolean tlsSni() {
        return tlsPeeker.peekRecords(tls, 0, tls.limit()) == PeekStatus.COMPLETE
                && tlsPeeker.serverNameEqualsIgnoreCase("www.example.test");
    }

    @Benchmark
    public boolean httpHost() {
        return httpPeeker.peek(http, 0, http.limit()) == PeekStatus.COMPLETE && httpPeeker.port() == 8080;
    }

    @Benchmark
    public PeekStatus quicInitialCachedKeys() {
        quicPeeker.clear();
        return quicPeeker.peek(quicV1, 0, quicV1.limit());
    }

    /** v1 and v2 alternate, so the one-entry key cache misses every time: HKDF + cipher init per packet. */
    @Benchmark
    public PeekStatus quicInitialNewKeys() {
        quicPeeker.clear();
        ByteBuffer d = (flip = !flip) ? quicV1 : quicV2;
        return quicPeeker.peek(d, 0, d.limit());
    }
}
