package dev.netext.flow.naming;

import dev.netext.api.flow.HostnameInfo;
import dev.netext.wire.peek.HttpRequestPeeker;
import dev.netext.wire.peek.PeekStatus;
import dev.netext.wire.peek.QuicInitialPeeker;
import dev.netext.wire.peek.TlsClientHelloPeeker;
import dev.netext.wire.quic.CryptoReassembler;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Names a flow from what the flow layer has before it opens the upstream connection: the client's first bytes and
 * the DNS layer's address-to-name map ({@link AddressNames}).
 *
 * <p>TCP: the stream prefix is tried as a TLS ClientHello, then as an HTTP/1.x request. UDP: the datagram is tried
 * as a QUIC v1/v2 client Initial. Which name wins:
 * <ol>
 *   <li>the name in the flow's own bytes — {@link HostnameInfo.Source#TLS_SNI}, {@link HostnameInfo.Source#QUIC_SNI},
 *       {@link HostnameInfo.Source#HTTP_HOST} — since it names this very connection, where an address may serve many
 *       names;</li>
 *   <li>except under Encrypted Client Hello, whose SNI is only the client-facing server's public name: then the
 *       DNS map's name, which is what the application asked for, wins when there is one;</li>
 *   <li>otherwise the DNS map's most recent name for the remote address ({@link HostnameInfo.Source#DNS_MAP}).</li>
 * </ol>
 * IP literals in SNI or Host are not names and are skipped. While the content is incomplete
 * ({@link PeekStatus#NEED_MORE}) the DNS name is given provisionally, so a caller may decide early.
 *
 * <p>Not thread-safe: one per worker. The peekers inside allocate nothing per call; the result record and strings
 * are built once per flow.
 */
public final class FlowNamer {
    private final AddressNames dns;
    private final TlsClientHelloPeeker tls = new TlsClientHelloPeeker();
    private final HttpRequestPeeker http = new HttpRequestPeeker();
    private final QuicInitialPeeker quic = new QuicInitialPeeker();

    public FlowNamer(AddressNames dns) {
        this.dns = dns == null ? AddressNames.NONE : dns;
    }

    /** Names a TCP flow to {@code remote} from the first {@code len} bytes the client sent (all of them so far). */
    public FlowName nameTcp(InetAddress remote, ByteBuffer prefix, int off, int len) {
        if (len == 0) return dnsOnly(remote, FlowName.Protocol.UNKNOWN, PeekStatus.NEED_MORE, 1, null);
        PeekStatus s = tls.peekRecords(prefix, off, len);
        if (s != PeekStatus.NOT_THIS_PROTOCOL) return fromClientHello(remote, FlowName.Protocol.TLS, s, tls, tls.needed(),
                tls.problem(), HostnameInfo.Source.TLS_SNI);
        s = http.peek(prefix, off, len);
        if (s == PeekStatus.NOT_THIS_PROTOCOL) return dnsOnly(remote, FlowName.Protocol.UNKNOWN, s, 0, null);
        if (s != PeekStatus.COMPLETE)
            return dnsOnly(remote, FlowName.Protocol.HTTP, s, s == PeekStatus.NEED_MORE ? http.needed() : 0, http.problem());
        if (http.hasHost() && !http.hostIsIpLiteral()) {
            Optional<HostnameInfo> name = hostname(http.host(), HostnameInfo.Source.HTTP_HOST);
            if (name.isPresent()) return new FlowName(name, FlowName.Protocol.HTTP, s, 0, List.of(), false, null);
        }
        return dnsOnly(remote, FlowName.Protocol.HTTP, s, 0, null);
    }

    /**
     * Names a UDP flow to {@code remote} from one datagram the client sent. {@code quicState} is the flow's QUIC
     * reassembly state: pass the same one with each datagram of the flow while the result is not settled.
     */
    public FlowName nameUdp(InetAddress remote, ByteBuffer datagram, int off, int len, CryptoReassembler quicState) {
        PeekStatus s = quic.peek(datagram, off, len, quicState);
        if (s == PeekStatus.NOT_THIS_PROTOCOL) return dnsOnly(remote, FlowName.Protocol.UNKNOWN, s, 0, null);
        return fromClientHello(remote, FlowName.Protocol.QUIC, s, quic.clientHello(), quic.needed(), quic.problem(),
                HostnameInfo.Source.QUIC_SNI);
    }

    /** Names a flow from the DNS map alone (no content seen, or none to see). */
    public FlowName nameFromDns(InetAddress remote) {
        return dnsOnly(remote, FlowName.Protocol.UNKNOWN, PeekStatus.NOT_THIS_PROTOCOL, 0, null);
    }

    private FlowName fromClientHello(InetAddress remote, FlowName.Protocol protocol, PeekStatus s,
                                     TlsClientHelloPeeker hello, int needed, String problem, HostnameInfo.Source source) {
        if (s != PeekStatus.COMPLETE)
            return dnsOnly(remote, protocol, s, s == PeekStatus.NEED_MORE ? needed : 0, s == PeekStatus.MALFORMED ? problem : null);
        List<String> alpn = new ArrayList<>(hello.alpnCount());
        for (int i = 0; i < hello.alpnCount(); i++) alpn.add(hello.alpn(i));
        boolean ech = hello.echOffered();
        Optional<HostnameInfo> sni = hello.hasServerName() && !isIpv4Literal(hello.serverName())
                ? hostname(hello.serverName(), source) : Optional.empty();
        Optional<HostnameInfo> best = sni;
        if (sni.isEmpty() || ech) {
            Optional<HostnameInfo> fromDns = fromDns(remote);
            if (fromDns.isPresent()) best = fromDns;
        }
        return new FlowName(best, protocol, s, 0, alpn, ech, null);
    }

    private FlowName dnsOnly(InetAddress remote, FlowName.Protocol protocol, PeekStatus s, int needed, String problem) {
        return new FlowName(fromDns(remote), protocol, s, needed, List.of(), false, problem);
    }

    private Optional<HostnameInfo> fromDns(InetAddress remote) {
        if (remote == null) return Optional.empty();
        for (String name : dns.namesOf(remote)) {
            Optional<HostnameInfo> h = hostname(name, HostnameInfo.Source.DNS_MAP);
            if (h.isPresent()) return h;
        }
        return Optional.empty();
    }

    private static Optional<HostnameInfo> hostname(String name, HostnameInfo.Source source) {
        if (name == null) return Optional.empty();
        try {
            return Optional.of(new HostnameInfo(name, source));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // not a valid name (the peekers check, the DNS map may not)
        }
    }

    /** SNI must not carry an address (RFC 6066 §3), but some clients send one. */
    static boolean isIpv4Literal(String name) {
        int dots = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') dots++;
            else if (c < '0' || c > '9') return false;
        }
        return dots == 3;
    }
}
