package dev.netext.wire.peek;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TlsClientHelloPeekerTest {
    private final TlsClientHelloPeeker peeker = new TlsClientHelloPeeker();

    private PeekStatus records(byte[] b) {
        return peeker.peekRecords(ByteBuffer.wrap(b), 0, b.length);
    }

    private PeekStatus records(byte[] b, int len) {
        return peeker.peekRecords(ByteBuffer.wrap(b), 0, len);
    }

    @Test
    void curlTls13ClientHello() {
        byte[] hello = PeekVectors.load("curl-tls13-clienthello.hex");
        assertThat(hello).hasSize(517);
        assertThat(records(hello)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.serverName()).isEqualTo("www.example.test");
        assertThat(peeker.serverNameEqualsIgnoreCase("WWW.Example.TEST")).isTrue();
        assertThat(peeker.serverNameEqualsIgnoreCase("www.example.tesT.")).isFalse();
        assertThat(peeker.alpnCount()).isEqualTo(2);
        assertThat(peeker.alpn(0)).isEqualTo("h2");
        assertThat(peeker.alpn(1)).isEqualTo("http/1.1");
        assertThat(peeker.recordVersion()).isEqualTo(TlsSpec.TLS_1_0);
        assertThat(peeker.legacyVersion()).isEqualTo(TlsSpec.TLS_1_2);
        assertThat(peeker.highestVersion()).isEqualTo(TlsSpec.TLS_1_3);
        assertThat(peeker.echOffered()).isFalse();
        assertThat(peeker.clientHelloLength()).isEqualTo(hello.length - 5);
    }

    @Test
    void curlTls12ClientHello() {
        byte[] hello = PeekVectors.load("curl-tls12-clienthello.hex");
        assertThat(records(hello)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.serverName()).isEqualTo("legacy.example.test");
        assertThat(peeker.alpnCount()).isEqualTo(1);
        assertThat(peeker.alpn(0)).isEqualTo("http/1.1");
        assertThat(peeker.highestVersion()).isEqualTo(TlsSpec.TLS_1_2);
    }

    @Test
    void everyPrefixNeedsExactlyTheMissingBytes() {
        byte[] hello = PeekVectors.load("curl-tls13-clienthello.hex");
        for (int len = 0; len < hello.length; len++) {
            assertThat(records(hello, len)).as("prefix %d", len).isEqualTo(PeekStatus.NEED_MORE);
            assertThat(len + peeker.needed()).as("prefix %d", len).isBetween(len + 1, hello.length);
            if (len >= 9) assertThat(len + peeker.needed()).isEqualTo(hello.length);
        }
    }

    @Test
    void trailingApplicationBytesAreIgnored() {
        byte[] hello = PeekVectors.load("curl-tls12-clienthello.hex");
        byte[] more = Arrays.copyOf(hello, hello.length + 50);
        assertThat(records(more)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.serverName()).isEqualTo("legacy.example.test");
    }

    @Test
    void windowInsideALargerBuffer() {
        byte[] hello = PeekVectors.load("curl-tls13-clienthello.hex");
        byte[] big = new byte[hello.length + 100];
        System.arraycopy(hello, 0, big, 37, hello.length);
        assertThat(peeker.peekRecords(ByteBuffer.wrap(big), 37, hello.length)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.serverName()).isEqualTo("www.example.test");
        assertThat(peeker.peekRecords(ByteBuffer.wrap(big), 90, big.length)).isEqualTo(PeekStatus.MALFORMED);
        assertThat(peeker.peekRecords(ByteBuffer.wrap(big), -1, 5)).isEqualTo(PeekStatus.MALFORMED);
    }

    @Test
    void clientHelloFragmentedOverRecords() {
        byte[] message = ClientHelloBuilder.unrecord(PeekVectors.load("curl-tls13-clienthello.hex"));
        for (int fragment : new int[] {1, 2, 3, 5, 100, 511}) {
            byte[] recs = ClientHelloBuilder.records(message, TlsSpec.TLS_1_2, fragment);
            assertThat(records(recs)).as("fragment %d", fragment).isEqualTo(PeekStatus.COMPLETE);
            assertThat(peeker.serverName()).isEqualTo("www.example.test");
            assertThat(peeker.alpn(1)).isEqualTo("http/1.1");
            assertThat(peeker.recordVersion()).isEqualTo(TlsSpec.TLS_1_2);
            // every cut short of the end asks for more, never too much
            for (int len = 0; len < recs.length; len += 7) {
                assertThat(records(recs, len)).as("fragment %d prefix %d", fragment, len).isEqualTo(PeekStatus.NEED_MORE);
                assertThat(len + peeker.needed()).isLessThanOrEqualTo(recs.length);
            }
        }
    }

    @Test
    void otherRecordTypeInsideAFragmentedHelloIsMalformed() {
        byte[] message = new ClientHelloBuilder().sni("a.example").handshake();
        byte[] recs = ClientHelloBuilder.records(message, TlsSpec.TLS_1_2, 20);
        recs[25] = 23; // second record: application_data
        assertThat(records(recs)).isEqualTo(PeekStatus.MALFORMED);
    }

    @Test
    void greaseIsIgnored() {
        byte[] hello = new ClientHelloBuilder()
                .cipherSuites(0x5a5a, 0x1301)
                .extension(0x1a1a, new byte[0])
                .sni("grease.example")
                .supportedVersions(0xaaaa, TlsSpec.TLS_1_3, TlsSpec.TLS_1_2)
                .extension(0xfafa, new byte[] {0})
                .alpn("h3")
                .record();
        assertThat(records(hello)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.serverName()).isEqualTo("grease.example");
        assertThat(peeker.highestVersion()).isEqualTo(TlsSpec.TLS_1_3);
        assertThat(peeker.alpn(0)).isEqualTo("h3");
        assertThat(TlsSpec.isGrease(0x0a0a)).isTrue();
        assertThat(TlsSpec.isGrease(0xfafa)).isTrue();
        assertThat(TlsSpec.isGrease(0x0a1a)).isFalse();
        assertThat(TlsSpec.isGrease(0x0304)).isFalse();
    }

    @Test
    void onlyGreaseVersionsFallBackToLegacyVersion() {
        byte[] hello = new ClientHelloBuilder().supportedVersions(0x2a2a).record();
        assertThat(records(hello)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.highestVersion()).isEqualTo(TlsSpec.TLS_1_2);
        assertThat(peeker.hasServerName()).isFalse();
        assertThat(peeker.serverName()).isNull();
    }

    @Test
    void echOuterNameIsReportedAndFlagged() {
        byte[] hello = new ClientHelloBuilder().sni("public.ech.example").ech(TlsSpec.ECH_CLIENT_HELLO_OUTER)
                .supportedVersions(TlsSpec.TLS_1_3).record();
        assertThat(records(hello)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.serverName()).isEqualTo("public.ech.example");
        assertThat(peeker.echOffered()).isTrue();
        assertThat(peeker.echType()).isEqualTo(TlsSpec.ECH_CLIENT_HELLO_OUTER);
    }

    @Test
    void tls10WithoutExtensionsAndSsl3RecordVersion() {
        byte[] message = new ClientHelloBuilder().legacyVersion(TlsSpec.TLS_1_0).sessionIdLength(0).noExtensions()
                .handshake();
        assertThat(records(ClientHelloBuilder.records(message, TlsSpec.SSL_3_0, 1000))).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.hasServerName()).isFalse();
        assertThat(peeker.highestVersion()).isEqualTo(TlsSpec.TLS_1_0);
        assertThat(peeker.recordVersion()).isEqualTo(TlsSpec.SSL_3_0);
        byte[] tls11 = new ClientHelloBuilder().legacyVersion(TlsSpec.TLS_1_1).sni("old.example").record();
        assertThat(records(tls11)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.highestVersion()).isEqualTo(TlsSpec.TLS_1_1);
        assertThat(peeker.serverName()).isEqualTo("old.example");
    }

    @Test
    void notTls() {
        assertThat(records("GET / HTTP/1.1\r\n".getBytes())).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        assertThat(records(new byte[] {0x16})).isEqualTo(PeekStatus.NEED_MORE);
        assertThat(records(new byte[] {0x16, 0x02})).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        assertThat(records(new byte[] {0x16, 0x03, 0x09})).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        // SSL 2.0 compatible ClientHello
        assertThat(records(PeekVectors.hex("8031010002001800000010"))).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        // a ServerHello (handshake type 2)
        assertThat(records(PeekVectors.hex("160303003a020000360303"))).isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
        assertThat(records(new byte[0])).isEqualTo(PeekStatus.NEED_MORE);
        assertThat(peeker.needed()).isEqualTo(5);
    }

    @Test
    void malformedClientHellos() {
        assertMalformed(new ClientHelloBuilder().sni("a.example", "b.example").record(), "two host names");
        assertMalformed(new ClientHelloBuilder().sni("a.example").sni("b.example").record(), "two server_name");
        assertMalformed(new ClientHelloBuilder().sni("bad name.example").record(), "character");
        assertMalformed(new ClientHelloBuilder().sni("a..example").record(), "empty label");
        assertMalformed(new ClientHelloBuilder().sni("a.example.").record(), "ends with a dot");
        assertMalformed(new ClientHelloBuilder().sni("").record(), "empty host name");
        assertMalformed(new ClientHelloBuilder().sni("x".repeat(64) + ".example").record(), "63");
        assertMalformed(new ClientHelloBuilder().sni("caf\u00e9.example").record(), "character");
        assertMalformed(new ClientHelloBuilder().alpn("h2", "").record(), "empty ALPN");
        assertMalformed(new ClientHelloBuilder().sessionIdLength(33).record(), "legacy_session_id");
        assertMalformed(new ClientHelloBuilder().cipherSuites().record(), "cipher_suites");
        assertMalformed(new ClientHelloBuilder().legacyVersion(0x0203).record(), "legacy_version");
        assertMalformed(new ClientHelloBuilder().extension(TlsSpec.EXT_SERVER_NAME, new byte[0]).record(), "server_name");
        assertMalformed(new ClientHelloBuilder().extension(TlsSpec.EXT_SUPPORTED_VERSIONS, new byte[] {3, 3, 4, 3}).record(),
                "supported_versions");
        // extensions length one byte short of the message
        byte[] body = new ClientHelloBuilder().sni("a.example").body();
        body[2 + 32 + 1 + 32 + 2 + 6 + 2 + 1] -= 1;
        assertMalformed(ClientHelloBuilder.records(ClientHelloBuilder.handshake(body), TlsSpec.TLS_1_0, 1 << 14),
                "extensions length");
        // record length 0 and beyond 2^14
        assertMalformed(PeekVectors.hex("1603010000"), "zero-length");
        assertMalformed(PeekVectors.hex("1603014001"), "2^14");
        // a ClientHello claiming 16 MiB
        assertMalformed(PeekVectors.hex("16030100080100ffff0000000000"), "too large");
    }

    private void assertMalformed(byte[] b, String why) {
        assertThat(records(b)).as(why).isEqualTo(PeekStatus.MALFORMED);
        assertThat(peeker.problem()).contains(why);
    }

    @Test
    void handshakeWithoutRecordLayer() {
        byte[] message = new ClientHelloBuilder().sni("quic.example").alpn("h3").supportedVersions(TlsSpec.TLS_1_3)
                .handshake();
        assertThat(peeker.peekHandshake(ByteBuffer.wrap(message), 0, message.length)).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.serverName()).isEqualTo("quic.example");
        assertThat(peeker.recordVersion()).isEqualTo(-1);
        assertThat(peeker.peekHandshake(ByteBuffer.wrap(message), 0, 10)).isEqualTo(PeekStatus.NEED_MORE);
        assertThat(peeker.needed()).isEqualTo(message.length - 10);
        assertThat(peeker.peekHandshake(ByteBuffer.wrap(new byte[] {2, 0, 0, 1, 0}), 0, 5))
                .isEqualTo(PeekStatus.NOT_THIS_PROTOCOL);
    }

    @Test
    void manyAlpnProtocolsAreCountedButOnlySomeKept() {
        String[] protocols = new String[40];
        for (int i = 0; i < protocols.length; i++) protocols[i] = "proto-" + i;
        assertThat(records(new ClientHelloBuilder().alpn(protocols).record())).isEqualTo(PeekStatus.COMPLETE);
        assertThat(peeker.alpnOffered()).isEqualTo(40);
        assertThat(peeker.alpnCount()).isEqualTo(TlsClientHelloPeeker.MAX_ALPN_PROTOCOLS);
        assertThat(peeker.alpn(15)).isEqualTo("proto-15");
    }

    @Test
    void resultsSurviveChangesToTheCallersBuffer() {
        byte[] hello = PeekVectors.load("curl-tls13-clienthello.hex");
        assertThat(records(hello)).isEqualTo(PeekStatus.COMPLETE);
        Arrays.fill(hello, (byte) 'x');
        assertThat(peeker.serverName()).isEqualTo("www.example.test");
        assertThat(peeker.alpn(0)).isEqualTo("h2");
    }
}
