package dev.netext.wire.peek;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpRequestPeekerTest {
    private final HttpRequestPeeker peeker = new HttpRequestPeeker();

    private PeekStatus peek(byte[] b) {
        return peeker.peek(ByteBuffer.wrap(b), 0, b.length);
    }

    private PeekStatus peek(String s) {
        return peek(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void curlGet() {
        byte[] req = PeekVectors.load("curl-http-get.hex");
        assertThat(peek(req)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.method()).isEqualTo("GET");
        assertThat(peeker.minorVersion()).isEqualTo(1);
        assertThat(peeker.host()).isEqualTo("plain.example.test");
        assertThat(peeker.port()).isEqualTo(8080);
        assertThat(peeker.hostFromTarget()).isFalse();
        assertThat(peeker.hostIsIpLiteral()).isFalse();
        assertThat(peeker.headLength()).isEqualTo(req.length);
        for (int len = 0; len < req.length; len++) {
            assertThat(peeker.peek(ByteBuffer.wrap(req), 0, len)).as("prefix %d", len).isEqualTo(PeekStatus.NEED_MORE);
            assertThat(peeker.needed()).isEqualTo(1);
        }
    }

    @Test
    void curlThroughProxyUsesTheAbsoluteFormTarget() {
        byte[] req = PeekVectors.load("curl-http-proxy-get.hex");
        assertThat(peek(req)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.host()).isEqualTo("proxied.example.test");
        assertThat(peeker.port()).isEqualTo(-1);
        assertThat(peeker.hostFromTarget()).isTrue();
    }

    @Test
    void absoluteFormWinsOverHost() {
        assertThat(peek("GET http://target.example:81/x HTTP/1.1\r\nHost: other.example\r\n\r\n"))
                .isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.host()).isEqualTo("target.example");
        assertThat(peeker.port()).isEqualTo(81);
        assertThat(peek("GET https://t.example?q HTTP/1.1\r\nHost: t.example\r\n\r\n")).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.host()).isEqualTo("t.example");
    }

    @Test
    void connectAuthorityForm() {
        assertThat(peek("CONNECT secure.example:443 HTTP/1.1\r\nHost: secure.example:443\r\n\r\n"))
                .isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.method()).isEqualTo("CONNECT");
        assertThat(peeker.host()).isEqualTo("secure.example");
        assertThat(peeker.port()).isEqualTo(443);
        assertThat(peeker.hostFromTarget()).isTrue();
        assertThat(peek("CONNECT secure.example HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(PeekStatus.MALFORMED);
        assertThat(peeker.problem()).contains("port");
    }

    @Test
    void hostFieldNameIsCaseInsensitiveAndValueTrimmed() {
        assertThat(peek("GET / HTTP/1.1\r\nAccept: */*\r\nhOsT: \t Mixed.Example.COM. \t\r\n\r\n"))
                .isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.host()).isEqualTo("Mixed.Example.COM");
        assertThat(peeker.port()).isEqualTo(-1);
    }

    @Test
    void ipLiterals() {
        assertThat(peek("GET / HTTP/1.1\r\nHost: [fd00::1]:8080\r\n\r\n")).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.host()).isEqualTo("fd00::1");
        assertThat(peeker.port()).isEqualTo(8080);
        assertThat(peeker.hostIsIpLiteral()).isTrue();
        assertThat(peek("GET / HTTP/1.1\r\nHost: 10.1.2.3\r\n\r\n")).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.hostIsIpLiteral()).isTrue();
    }

    @Test
    void bareLineFeedsAndHttp10WithoutHost() {
        assertThat(peek("GET /a HTTP/1.1\nHost: lf.example\n\n")).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.host()).isEqualTo("lf.example");
        assertThat(peek("GET / HTTP/1.0\r\nUser-Agent: x\r\n\r\n")).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.hasHost()).isFalse();
        assertThat(peeker.minorVersion()).isZero();
        assertThat(peek("OPTIONS * HTTP/1.1\r\nHost: o.example\r\n\r\n")).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.host()).isEqualTo("o.example");
    }

    @Test
    void bodyAfterTheHeadIsNotRead() {
        String head = "POST /form HTTP/1.1\r\nHost: post.example\r\nContent-Length: 5\r\n\r\n";
        assertThat(peek(head + "\u0000\u0001\r\n\u00ff")).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.headLength()).isEqualTo(head.length());
    }

    @Test
    void serverRulesAreEnforced() {
        assertMalformed("GET / HTTP/1.1\r\nHost: a.example\r\n folded\r\n\r\n", "obs-fold");
        assertMalformed("GET / HTTP/1.1\r\n Host: a.example\r\n\r\n", "obs-fold");
        assertMalformed("GET / HTTP/1.1\r\nHost : a.example\r\n\r\n", "field name");
        assertMalformed("GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n", "more than one Host");
        assertMalformed("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", "without Host");
        assertMalformed("GET http://user@a.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n", "userinfo");
        assertMalformed("GET / HTTP/1.1\r\nHost: a.example\rX: y\r\n\r\n", "bare CR");
        assertMalformed("GET / HTTP/1.1\r\nHost: a b.example\r\n\r\n", "character");
        assertMalformed("GET / HTTP/1.1\r\nHost: a.example:99999\r\n\r\n", "65535");
        assertMalformed("GET / HTTP/1.1\r\nHost: a.example:12ab\r\n\r\n", "port");
        assertMalformed("GET / HTTP/1.1\r\nX: \u0001\r\nHost: a.example\r\n\r\n", "control character");
        assertMalformed("GET foo HTTP/1.1\r\nHost: a.example\r\n\r\n", "form");
        assertMalformed("GET / HTTP/1.1\r\nHost: [fd00::1\r\n\r\n", "IPv6");
        assertMalformed("GET / HTTP/1.1\r\n: empty\r\n\r\n", "empty field name");
    }

    private void assertMalformed(String req, String why) {
        assertThat(peek(req)).as(req).isEqualTo(PeekStatus.MALFORMED);
        assertThat(peeker.problem()).contains(why);
    }

    @Test
    void notHttp1() {
        assertThat(peek("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        assertThat(peek("SSH-2.0-OpenSSH_9.2p1\r\n")).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        assertThat(peek("GET /\r\n")).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL); // HTTP/0.9
        assertThat(peek("EHLO mail.example\r\n")).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        assertThat(peek(PeekVectors.load("curl-tls13-clienthello.hex"))).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        assertThat(peek("X".repeat(HttpRequestPeeker.MAX_METHOD_LEN + 1) + " / HTTP/1.1\r\n"))
                .isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        assertThat(peek("GET / HTTP/1.1 \r\n")).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        assertThat(peek("")).isEqualTo(PeekStatus.NEED_MORE);
        assertThat(peek("GE")).isEqualTo(PeekStatus.NEED_MORE);
    }

    @Test
    void headLongerThanTheLimitIsMalformed() {
        String req = "GET / HTTP/1.1\r\nHost: a.example\r\nX: " + "y".repeat(HttpRequestPeeker.MAX_HEAD_LEN);
        assertThat(peek(req)).isEqualTo(PeekStatus.MALFORMED);
        assertThat(peeker.problem()).contains("longer than");
    }
}
