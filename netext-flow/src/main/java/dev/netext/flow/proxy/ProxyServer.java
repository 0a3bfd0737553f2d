package dev.netext.flow.proxy;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.TcpFlow;
import dev.netext.api.flow.TransportProtocol;

import java.util.Optional;
import java.util.function.LongFunction;

/**
 * An upstream proxy server the engine relays claimed flows through, and the handshake that opens a tunnel to a flow's
 * destination. The destination is the flow's hostname when netext knows it (so the proxy resolves it, as it would for
 * an application configured to use it), else its original IP address and port.
 */
public sealed interface ProxyServer permits ProxyServer.Socks5, ProxyServer.HttpConnect, ProxyServer.Hosted {

    Endpoint address();

    /** The profile's {@code type}: {@code socks5} or {@code http}. */
    String type();

    UpstreamHandshake handshakeFor(TcpFlow flow);

    /** Whether this server can carry flows of {@code protocol}: an HTTP CONNECT proxy carries TCP only. */
    boolean carries(TransportProtocol protocol);

    /** A SOCKS5 server (RFC 1928 CONNECT; RFC 1929 username/password when credentials are given). */
    record Socks5(Endpoint address, Optional<Socks5Credentials> credentials) implements ProxyServer {
        public Socks5 {
            if (address == null) throw new IllegalArgumentException("address is null");
            if (credentials == null) credentials = Optional.empty();
        }

        @Override public String type() { return "socks5"; }

        /** TCP by CONNECT, UDP by UDP ASSOCIATE ({@link Socks5UdpAssociation}, one per flow). */
        @Override public boolean carries(TransportProtocol protocol) { return true; }

        @Override
        public UpstreamHandshake handshakeFor(TcpFlow flow) {
            Socks5Address target = flow.hostname().map(HostnameInfo::hostname)
                    .map(h -> Socks5Address.of(h, flow.remote().port()))
                    .orElseGet(() -> Socks5Address.of(flow.remote()));
            return Socks5ClientHandshake.connect(target, credentials);
        }
    }

    /** An HTTP proxy that opens tunnels with CONNECT. */
    record HttpConnect(Endpoint address) implements ProxyServer {
        public HttpConnect {
            if (address == null) throw new IllegalArgumentException("address is null");
        }

        @Override public String type() { return "http"; }

        @Override public boolean carries(TransportProtocol protocol) { return protocol == TransportProtocol.TCP; }

        @Override
        public UpstreamHandshake handshakeFor(TcpFlow flow) {
            String authority = flow.hostname().map(h -> h.hostname() + ":" + flow.remote().port())
                    .orElseGet(() -> flow.remote().toString());
            return new HttpConnectHandshake(authority);
        }
    }

    /**
     * A proxy provider this process hosts (a custom {@code ProxyProvider} class): the engine hands it a claimed flow
     * by connecting to the host's loopback listener and sending the claim's token ({@link HostedHandshake}); the host
     * then gives the provider that connection as the flow. The engine relays (or splices) as for any proxy, so the
     * provider owns the flow's bytes without ever touching an intercepted socket. A claimed UDP flow is relayed, as a
     * direct one is, to a loopback socket the host opened for it ({@code udpRelayFor}), read by the provider.
     *
     * @param address     the host's listener, on loopback
     * @param tokenFor    the claim token of a TCP flow the provider claimed (null when there is none)
     * @param udpRelayFor the loopback socket of a UDP flow the provider claimed (null when there is none)
     */
    record Hosted(Endpoint address, LongFunction<byte[]> tokenFor,
                  LongFunction<Endpoint> udpRelayFor) implements ProxyServer {
        public Hosted {
            if (address == null || tokenFor == null || udpRelayFor == null)
                throw new IllegalArgumentException("address, tokenFor and udpRelayFor are required");
        }

        @Override public String type() { return "provider"; }

        @Override public boolean carries(TransportProtocol protocol) { return true; }

        @Override
        public UpstreamHandshake handshakeFor(TcpFlow flow) {
            byte[] token = tokenFor.apply(flow.id());
            if (token == null) throw new IllegalStateException("flow " + flow.id() + " has no claim at the proxy host");
            return new HostedHandshake(token);
        }
    }
}
