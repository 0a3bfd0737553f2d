package dev.netext.flow.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netext.api.flow.Endpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RFC 1928/1929 client messages byte for byte, reply parsing in pieces, and garbage from the server. */
class Socks5ClientHandshakeTest {
    private static final HexFormat HEX = HexFormat.of();

    private static ByteBuffer hex(String s) { return ByteBuffer.wrap(HEX.parseHex(s.replace(" ", ""))); }

    @Test
    void connectByDomainNameWithoutAuthentication() throws IOException {
        var h = Socks5ClientHandshake.connect(Socks5Address.of("x.corp.example", 443), Optional.empty());
        assertThat(HEX.formatHex(h.start())).isEqualTo("050100");
        var step = h.receive(hex("0500"));
        // VER CMD=CONNECT RSV ATYP=3 LEN "x.corp.example" PORT=443
        assertThat(HEX.formatHex(((UpstreamHandshake.Step.Send) step).bytes()))
                .isEqualTo("050100030e" + HEX.formatHex("x.corp.example".getBytes()) + "01bb");
        ByteBuffer reply = hex("05 00 00 01 0a000002 1f90 68656c6c6f"); // + "hello" from a server-first protocol
        assertThat(h.receive(reply)).isEqualTo(UpstreamHandshake.Step.DONE);
        assertThat(h.bound().toString()).isEqualTo("10.0.0.2:8080");
        assertThat(reply.remaining()).as("application bytes after the reply stay").isEqualTo(5);
    }

    @Test
    void connectByIpv6AddressWithUsernamePassword() throws IOException {
        var h = Socks5ClientHandshake.connect(Socks5Address.of(Endpoint.parse("[fd00::1]:22")),
                Optional.of(new Socks5Credentials("alice", "s3cret")));
        assertThat(HEX.formatHex(h.start())).isEqualTo("05020002");
        var auth = (UpstreamHandshake.Step.Send) h.receive(hex("0502"));
        assertThat(HEX.formatHex(auth.bytes())).isEqualTo("0105616c69636506733363726574");
        var req = (UpstreamHandshake.Step.Send) h.receive(hex("0100"));
        assertThat(HEX.formatHex(req.bytes())).isEqualTo("05010004fd000000000000000000000000000001" + "0016");
    }

    @Test
    void replyArrivingByteByByteIsAssembled() throws IOException {
        var h = Socks5ClientHandshake.udpAssociate(Socks5Address.unspecified(), Optional.empty());
        h.receive(hex("0500"));
        byte[] reply = HEX.parseHex("0500000304" + HEX.formatHex("relay".getBytes()).substring(0, 8) + "1234");
        reply[4] = 4; // LEN 4: "rela"
        ByteBuffer acc = ByteBuffer.allocate(64);
        UpstreamHandshake.Step last = null;
        for (byte b : reply) {
            acc.put(b).flip();
            last = h.receive(acc);
            acc.compact();
        }
        assertThat(last).isEqualTo(UpstreamHandshake.Step.DONE);
        assertThat(h.bound()).isEqualTo(Socks5Address.of("rela", 0x1234));
    }

    @Test
    void refusalsAndNonSocksAnswersSayWhy() {
        var h1 = Socks5ClientHandshake.connect(Socks5Address.of("a.test", 80), Optional.empty());
        assertThatThrownBy(() -> h1.receive(hex("05ff"))).hasMessageContaining("none of the offered methods");
        var h2 = Socks5ClientHandshake.connect(Socks5Address.of("a.test", 80), Optional.empty());
        assertThatThrownBy(() -> h2.receive(hex("4854"))).hasMessageContaining("not a SOCKS5 server");
        var h3 = Socks5ClientHandshake.connect(Socks5Address.of("a.test", 80), Optional.empty());
        assertThatThrownBy(() -> { h3.receive(hex("0500")); h3.receive(hex("0505000100000000 0000")); })
                .hasMessageContaining("Connection refused");
        var h4 = Socks5ClientHandshake.connect(Socks5Address.of("a.test", 80), Optional.of(new Socks5Credentials("u", "p")));
        assertThatThrownBy(() -> { h4.receive(hex("0502")); h4.receive(hex("0101")); }).hasMessageContaining("rejected");
        var h5 = Socks5ClientHandshake.connect(Socks5Address.of("a.test", 80), Optional.empty());
        assertThatThrownBy(() -> h5.receive(hex("0502"))).hasMessageContaining("not offered");
    }

    @Test
    void badNamesAndCredentialsAreRefusedEarly() {
        assertThatThrownBy(() -> Socks5Address.of("a".repeat(256), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Socks5Address.of("bad name", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Socks5Credentials("", "p")).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Socks5Credentials("u", "hunter2").toString()).doesNotContain("hunter2");
    }

    /** Seeded random server answers: every outcome is a step or an IOException, never anything else. */
    @Test
    void fuzzedServerAnswersNeverEscapeAsOtherExceptions() {
        Random r = new Random(0x50C55L);
        for (int i = 0; i < 20_000; i++) {
            var h = r.nextBoolean()
                    ? Socks5ClientHandshake.connect(Socks5Address.of("f.test", 443), Optional.of(new Socks5Credentials("u", "p")))
                    : Socks5ClientHandshake.udpAssociate(Socks5Address.unspecified(), Optional.empty());
            byte[] junk = new byte[r.nextInt(40)];
            r.nextBytes(junk);
            if (junk.length > 0 && r.nextInt(3) > 0) junk[0] = 5; // often get past the version check
            if (junk.length > 3 && r.nextBoolean()) junk[3] = (byte) (1 + r.nextInt(4));
            ByteBuffer in = ByteBuffer.wrap(junk);
            try {
                for (int n = 0; n < 4 && in.hasRemaining(); n++) {
                    var s = h.receive(in);
                    if (s instanceof UpstreamHandshake.Step.More || s instanceof UpstreamHandshake.Step.Done) break;
                }
            } catch (IOException expected) {
                // a clean refusal
            }
        }
    }
}
