package dev.netext.dns.upstream;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Which certificates netext's encrypted upstreams (DNS over TLS and HTTPS) accept: the JDK's trust store by default,
 * plus the CA certificates of a PEM file for private resolvers ({@code dns.tls-ca} in a profile). Every handshake
 * checks the server's certificate against the configured name (RFC 7858 §4.2 strict profile, RFC 8310 §8.1: the
 * authentication domain name), with SNI set to it; there is no opportunistic mode.
 *
 * <p>TLS runs on the JDK provider through Netty's {@link SslHandler}: no native TLS library is needed.
 */
public final class TlsTrust {
    private final SslContext plain;
    private final SslContext h2;
    private final Path caFile;

    private TlsTrust(SslContext plain, SslContext h2, Path caFile) {
        this.plain = plain;
        this.h2 = h2;
        this.caFile = caFile;
    }

    /** The JDK's trust store, plus the certificates in {@code caFile} when it is not null. */
    public static TlsTrust of(Path caFile) throws IOException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            if (caFile != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                int n = 0;
                for (var tm : tmf.getTrustManagers())
                    if (tm instanceof X509TrustManager x) for (X509Certificate c : x.getAcceptedIssuers()) ks.setCertificateEntry("system-" + n++, c);
                int own = 0;
                try (InputStream in = Files.newInputStream(caFile)) {
                    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) ks.setCertificateEntry("ca-" + own++, c);
                } catch (CertificateException e) {
                    throw new IOException(caFile + ": not a PEM file of CA certificates: " + e.getMessage(), e);
                }
                if (own == 0) throw new IOException(caFile + ": no certificate in it (expected PEM, -----BEGIN CERTIFICATE-----)");
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
            }
            SslContext plain = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(tmf)
                    .endpointIdentificationAlgorithm("HTTPS").build();
            SslContext h2 = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(tmf)
                    .endpointIdentificationAlgorithm("HTTPS")
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, List.of("h2")))
                    .build();
            return new TlsTrust(plain, h2, caFile);
        } catch (GeneralSecurityException | SSLException e) {
            throw new IOException("cannot set up TLS trust" + (caFile == null ? "" : " with " + caFile) + ": " + e.getMessage(), e);
        }
    }

    /** The CA file added to the JDK's trust store, or null. */
    public Path caFile() { return caFile; }

    /** A client handler for DNS over TLS that checks the certificate against {@code serverName}. */
    SslHandler dotHandler(ByteBufAllocator alloc, String serverName, int port) {
        return handler(plain, alloc, serverName, port);
    }

    /** A client handler offering ALPN h2 (RFC 8484 §5.2: DoH over HTTP/2). */
    SslHandler h2Handler(ByteBufAllocator alloc, String serverName, int port) {
        return handler(h2, alloc, serverName, port);
    }

    private static SslHandler handler(SslContext ctx, ByteBufAllocator alloc, String serverName, int port) {
        SslHandler h = ctx.newHandler(alloc, serverName, port);
        SSLEngine engine = h.engine();
        SSLParameters p = engine.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // name (or IP address) checked against the certificate's SAN
        if (!isAddressLiteral(serverName)) p.setServerNames(List.of(new SNIHostName(serverName)));
        engine.setSSLParameters(p);
        return h;
    }

    private static boolean isAddressLiteral(String s) {
        if (s.indexOf(':') >= 0) return true;
        return s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }
}
