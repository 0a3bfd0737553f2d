package dev.netext.dns.upstream;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.net.IpPrefix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Turns {@link ServerSpec}s into running {@link UpstreamServer}s. The one place that knows which transports this
 * build speaks: UDP (with TCP on truncation), TCP, DNS over TLS ({@link TcpUpstream#tls}) and DNS over HTTPS
 * ({@link DohUpstream}); the encrypted ones share one {@link TlsTrust}, made on first use.
 */
public final class UpstreamFactory {
    public static final Path RESOLV_CONF = Path.of("/etc/resolv.conf");

    private final UpstreamIo io;
    private final Path resolvConf;
    private final Set<Endpoint> ownListeners;
    private final LongSupplier nanos;
    private final int udpPorts;
    private final int usesPerPort;
    private final int tcpIdleSeconds;
    private final Path tlsCaFile;
    private TlsTrust trust; // guarded by this; made on first use

    /**
     * @param ownListeners netext's own listen addresses: a {@code system} resolver pointing at one of them would
     *                     forward to itself forever, so it is left out
     */
    public UpstreamFactory(UpstreamIo io, Path resolvConf, Set<Endpoint> ownListeners, LongSupplier nanos) {
        this(io, resolvConf, ownListeners, nanos, null);
    }

    /** @param tlsCaFile CA certificates (PEM) trusted for DoT and DoH besides the JDK's trust store; null: none */
    public UpstreamFactory(UpstreamIo io, Path resolvConf, Set<Endpoint> ownListeners, LongSupplier nanos, Path tlsCaFile) {
        this.tlsCaFile = tlsCaFile;
        this.io = io;
        this.resolvConf = resolvConf;
        this.ownListeners = Set.copyOf(ownListeners);
        this.nanos = nanos;
        this.udpPorts = 8;
        this.usesPerPort = 512;
        this.tcpIdleSeconds = 10;
    }

    /** Why this build cannot run {@code spec}, or null when it can: profile validation reports it before anything starts. */
    public static String unsupportedReason(ServerSpec spec) {
        return switch (spec) {
            case ServerSpec.Https h -> DohUpstream.unsupportedReason(h.uri());
            default -> null;
        };
    }

    /** The servers a spec stands for (several for {@code system}). */
    public List<UpstreamServer> create(ServerSpec spec) throws IOException {
        return switch (spec) {
            case ServerSpec.Plain p -> List.of(udpWithTcp(spec, p.address()));
            case ServerSpec.Udp u -> List.of(udpWithTcp(spec, u.address()));
            case ServerSpec.Tcp t -> List.of(new UpstreamServer(spec, new TcpUpstream(t.address(), io, tcpIdleSeconds), null, nanos));
            case ServerSpec.Tls t -> List.of(new UpstreamServer(spec, TcpUpstream.tls(t.serverName(), t.address(), io, tcpIdleSeconds, trust()), null, nanos));
            case ServerSpec.Https h -> {
                String why = unsupportedReason(h);
                if (why != null) throw new IllegalArgumentException("'" + h.text() + "': " + why);
                yield List.of(new UpstreamServer(spec, new DohUpstream(h.uri(), io, tcpIdleSeconds, trust()), null, nanos));
            }
            case ServerSpec.SystemResolvers s -> {
                List<UpstreamServer> out = new ArrayList<>();
                for (Endpoint e : systemResolvers()) out.add(udpWithTcp(new ServerSpec.Plain(e), e));
                if (out.isEmpty()) throw new IOException("'system': " + resolvConf + " names no resolver other than netext itself");
                yield out;
            }
        };
    }

    private synchronized TlsTrust trust() throws IOException {
        if (trust == null) trust = TlsTrust.of(tlsCaFile);
        return trust;
    }

    /**
     * A plain server: UDP, and TCP for truncated answers only, its connection closed once nothing is in flight — a
     * server that serves one TCP connection at a time (dnsmasq {@code --no-daemon}) would answer nothing else while
     * an idle one stayed open.
     */
    private UpstreamServer udpWithTcp(ServerSpec spec, Endpoint address) {
        return new UpstreamServer(spec, new UdpUpstream(address, io, udpPorts, usesPerPort),
                new TcpUpstream(address, io, 0), nanos);
    }

    /** The {@code nameserver} lines of resolv.conf, port 53, without netext's own listeners. */
    List<Endpoint> systemResolvers() throws IOException {
        List<Endpoint> out = new ArrayList<>();
        if (!Files.exists(resolvConf)) return out;
        for (String line : Files.readAllLines(resolvConf)) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 2 || !f[0].equals("nameserver")) continue;
            try {
                String a = f[1];
                int pct = a.indexOf('%');
                if (pct >= 0) a = a.substring(0, pct); // zone ids are not supported here
                Endpoint e = new Endpoint(IpPrefix.parseAddress(a), ServerSpec.DNS_PORT);
                if (!isOwn(e)) out.add(e);
            } catch (IllegalArgumentException ignored) {
                // a malformed line: the libc resolver ignores it too
            }
        }
        return out;
    }

    private boolean isOwn(Endpoint e) {
        for (Endpoint own : ownListeners) {
            if (own.port() != e.port()) continue;
            if (own.address().equals(e.address()) || own.address().isAnyLocalAddress()) return true;
        }
        return false;
    }
}
