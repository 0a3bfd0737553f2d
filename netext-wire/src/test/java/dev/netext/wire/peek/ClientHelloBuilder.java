package dev.netext.wire.peek;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds synthetic ClientHellos for tests: TLS 1.0–1.3 shapes, GREASE, ECH, record fragmentation. */
public final class ClientHelloBuilder {
    private int legacyVersion = TlsSpec.TLS_1_2;
    private int sessionIdLength = 32;
    private int[] cipherSuites = {0x1301, 0x1302, 0xc02b};
    private final List<byte[]> extensions = new ArrayList<>();
    private boolean noExtensions;

    public ClientHelloBuilder legacyVersion(int v) { legacyVersion = v; return this; }

    public ClientHelloBuilder sessionIdLength(int n) { sessionIdLength = n; return this; }

    public ClientHelloBuilder cipherSuites(int... suites) { cipherSuites = suites; return this; }

    public ClientHelloBuilder noExtensions() { noExtensions = true; return this; }

    public ClientHelloBuilder extension(int type, byte[] data) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        u16(o, type);
        u16(o, data.length);
        o.writeBytes(data);
        extensions.add(o.toByteArray());
        return this;
    }

    public ClientHelloBuilder sni(String... names) {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (String n : names) {
            byte[] b = n.getBytes(StandardCharsets.ISO_8859_1);
            list.write(0);
            u16(list, b.length);
            list.writeBytes(b);
        }
        return extension(TlsSpec.EXT_SERVER_NAME, prefixed16(list.toByteArray()));
    }

    public ClientHelloBuilder alpn(String... protocols) {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (String p : protocols) {
            byte[] b = p.getBytes(StandardCharsets.ISO_8859_1);
            list.write(b.length);
            list.writeBytes(b);
        }
        return extension(TlsSpec.EXT_APPLICATION_LAYER_PROTOCOL_NEGOTIATION, prefixed16(list.toByteArray()));
    }

    public ClientHelloBuilder supportedVersions(int... versions) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(versions.length * 2);
        for (int v : versions) u16(o, v);
        return extension(TlsSpec.EXT_SUPPORTED_VERSIONS, o.toByteArray());
    }

    /** An outer ECH extension: type, cipher suite, config id, enc and payload of arbitrary bytes. */
    public ClientHelloBuilder ech(int type) {
        byte[] body = new byte[1 + 4 + 1 + 2 + 32 + 2 + 64];
        body[0] = (byte) type;
        body[6] = 0;
        body[7] = 32;
        body[40] = 0;
        body[41] = 64;
        return extension(TlsSpec.EXT_ENCRYPTED_CLIENT_HELLO, body);
    }

    /** The ClientHello body (after the handshake header). */
    public byte[] body() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        u16(o, legacyVersion);
        o.writeBytes(new byte[32]);
        o.write(sessionIdLength);
        o.writeBytes(new byte[sessionIdLength]);
        u16(o, cipherSuites.length * 2);
        for (int s : cipherSuites) u16(o, s);
        o.write(1);
        o.write(0);
        if (!noExtensions) {
            ByteArrayOutputStream e = new ByteArrayOutputStream();
            extensions.forEach(e::writeBytes);
            o.writeBytes(prefixed16(e.toByteArray()));
        }
        return o.toByteArray();
    }

    /** The handshake message: type client_hello, 24-bit length, body. */
    public byte[] handshake() {
        return handshake(body());
    }

    public static byte[] handshake(byte[] body) {
        byte[] m = new byte[4 + body.length];
        m[0] = (byte) TlsSpec.HANDSHAKE_CLIENT_HELLO;
        m[1] = (byte) (body.length >>> 16);
        m[2] = (byte) (body.length >>> 8);
        m[3] = (byte) body.length;
        System.arraycopy(body, 0, m, 4, body.length);
        return m;
    }

    /** The message in one record with record version 0x0301. */
    public byte[] record() {
        return records(handshake(), TlsSpec.TLS_1_0, Integer.MAX_VALUE);
    }

    /** {@code message} cut into handshake records of at most {@code fragment} bytes. */
    public static byte[] records(byte[] message, int recordVersion, int fragment) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (int at = 0; at < message.length; at += fragment) {
            int n = Math.min(fragment, message.length - at);
            o.write(TlsSpec.CONTENT_TYPE_HANDSHAKE);
            u16(o, recordVersion);
            u16(o, n);
            o.write(message, at, n);
        }
        return o.toByteArray();
    }

    /** Strips the record layer of a single-record ClientHello: the handshake message. */
    public static byte[] unrecord(byte[] records) {
        byte[] m = new byte[records.length - 5];
        System.arraycopy(records, 5, m, 0, m.length);
        return m;
    }

    private static byte[] prefixed16(byte[] b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        u16(o, b.length);
        o.writeBytes(b);
        return o.toByteArray();
    }

    private static void u16(ByteArrayOutputStream o, int v) {
        o.write(v >>> 8);
        o.write(v);
    }
}
