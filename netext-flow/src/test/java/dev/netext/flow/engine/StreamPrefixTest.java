package dev.netext.flow.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.api.flow.HostnameInfo;
import dev.netext.flow.naming.FlowName;
import dev.netext.flow.naming.FlowNamer;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

class StreamPrefixTest {
    private static final int ISN = 0xFFFF_FF00; // the stream's sequence numbers wrap past 2^32 within the hello

    /** A real ClientHello (the JDK's TLS client) naming {@code host}. */
    private static byte[] clientHello(String host) throws Exception {
        SSLEngine e = SSLContext.getDefault().createSSLEngine(host, 443);
        e.setUseClientMode(true);
        SSLParameters p = e.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(host)));
        e.setSSLParameters(p);
        ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
        e.wrap(ByteBuffer.allocate(0), out);
        return Arrays.copyOf(out.array(), out.position());
    }

    private static byte[] slice(byte[] b, int from, int to) { return Arrays.copyOfRange(b, from, to); }

    @Test
    void clientHelloInSegmentsOutOfOrderAndRetransmittedIsNamedOnceComplete() throws Exception {
        byte[] hello = clientHello("segments.example.test");
        int a = hello.length / 3, b = 2 * hello.length / 3;
        StreamPrefix s = new StreamPrefix(16 * 1024, ISN + 1);
        FlowNamer namer = new FlowNamer(null);
        InetAddress remote = InetAddress.getByName("192.0.2.7");

        s.add(ISN + 1 + b, slice(hello, b, hello.length)); // the last segment first: waits beyond the gap
        assertThat(s.length()).isZero();
        s.add(ISN + 1, slice(hello, 0, a));
        FlowName partial = namer.nameTcp(remote, s.buffer(), 0, s.length());
        assertThat(partial.settled()).isFalse();
        s.add(ISN + 1, slice(hello, 0, a)); // retransmitted: nothing new
        s.add(ISN + 1 + a - 10, slice(hello, a - 10, b)); // overlapping the first by 10 bytes; fills the gap
        assertThat(s.length()).isEqualTo(hello.length);
        assertThat(Arrays.copyOf(s.buffer().array(), s.length())).isEqualTo(hello);
        FlowName name = namer.nameTcp(remote, s.buffer(), 0, s.length());
        assertThat(name.hostname()).contains(new HostnameInfo("segments.example.test", HostnameInfo.Source.TLS_SNI));
        assertThat(s.inOrder()).isEqualTo(hello.length);
    }

    @Test
    void capacityBoundsWhatIsKeptButNotWhatIsCounted() {
        StreamPrefix s = new StreamPrefix(100, 1000);
        s.add(1000, new byte[80]);
        assertThat(s.full()).isFalse();
        s.add(1080, new byte[80]);
        assertThat(s.length()).isEqualTo(100);
        assertThat(s.full()).isTrue();
        assertThat(s.inOrder()).isEqualTo(160);
        StreamPrefix gap = new StreamPrefix(100, 0);
        gap.add(50, new byte[60]);
        gap.add(200, new byte[60]);
        assertThat(gap.length()).isZero();
        assertThat(gap.full()).as("early bytes up to the capacity: naming must not wait for more").isTrue();
    }

    @Test
    void growsPastItsFirstBufferUpToTheCapacityKeepingTheBytes() {
        int capacity = 5 * StreamPrefix.INITIAL;
        byte[] stream = new byte[capacity + 500];
        for (int i = 0; i < stream.length; i++) stream[i] = (byte) (i * 31);
        StreamPrefix s = new StreamPrefix(capacity, ISN + 1);
        int step = StreamPrefix.INITIAL - 300; // segments that straddle the first buffer's end
        for (int from = 0; from < stream.length; from += step) {
            s.add(ISN + 1 + from, slice(stream, from, Math.min(stream.length, from + step)));
            byte[] kept = Arrays.copyOf(s.buffer().array(), s.length());
            assertThat(kept).isEqualTo(slice(stream, 0, Math.min(capacity, Math.min(stream.length, from + step))));
        }
        assertThat(s.length()).isEqualTo(capacity);
        assertThat(s.full()).isTrue();
        assertThat(s.inOrder()).isEqualTo(stream.length);
    }
}
