package dev.netext.flow.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HttpConnectHandshakeTest {
    private static ByteBuffer text(String s) { return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1)); }

    @Test
    void requestNamesTheAuthorityAndA2xxOpensTheTunnel() throws IOException {
        var h = new HttpConnectHandshake("www.web.test:443");
        assertThat(new String(h.start(), StandardCharsets.US_ASCII))
                .isEqualTo("CONNECT www.web.test:443 HTTP/1.1\r\nHost: www.web.test:443\r\n\r\n");
        assertThat(h.receive(text("HTTP/1.1 200 Conn"))).isEqualTo(UpstreamHandshake.Step.MORE);
        ByteBuffer in = text("HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\nSSH-2.0");
        assertThat(h.receive(in)).isEqualTo(UpstreamHandshake.Step.DONE);
        assertThat(StandardCharsets.US_ASCII.decode(in).toString()).isEqualTo("SSH-2.0");
    }

    @Test
    void refusalsAndNonHttpAreErrors() {
        assertThatThrownBy(() -> new HttpConnectHandshake("a.test:443").receive(text("HTTP/1.1 403 Forbidden\r\n\r\n")))
                .hasMessageContaining("403 Forbidden");
        assertThatThrownBy(() -> new HttpConnectHandshake("a.test:443").receive(text("\u0005\u0000\r\n\r\n")))
                .hasMessageContaining("not an HTTP response");
        assertThatThrownBy(() -> new HttpConnectHandshake("a.test:443").receive(text("X".repeat(9000))))
                .hasMessageContaining("longer than");
        assertThatThrownBy(() -> new HttpConnectHandshake("a b:1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fuzzedResponsesAreStepsOrIoExceptions() {
        Random r = new Random(0xC0EECL);
        String[] seeds = {"HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", "HTTP/1.1 2"};
        for (int i = 0; i < 20_000; i++) {
            byte[] b = seeds[r.nextInt(seeds.length)].getBytes(StandardCharsets.ISO_8859_1);
            for (int k = r.nextInt(4); k > 0; k--) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            try {
                new HttpConnectHandshake("f.test:443").receive(ByteBuffer.wrap(b));
            } catch (IOException expected) {
                // clean refusal
            }
        }
    }
}
