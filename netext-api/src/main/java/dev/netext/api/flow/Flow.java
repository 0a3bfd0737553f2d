package dev.netext.api.flow;

import java.time.Instant;
import java.util.Optional;

/**
 * A TCP connection or a UDP socket's traffic as netext tracks it: {@code NEFilterFlow} / {@code NEFilterSocketFlow}
 * for filters and the metadata of {@code NEAppProxyFlow} for proxies. A flow is a value: its fields are what was known
 * when the host handed it to a provider (a later hostname discovery produces a new record with the same id).
 *
 * <p>Unlike NE flows, a netext flow has a {@linkplain #id() global id}: every event about it, from every provider,
 * carries that id, so a flow's history can be read in order across a filter, a proxy and the DNS proxy.
 */
public sealed interface Flow permits TcpFlow, UdpFlow {

    /** Ids are positive; {@link dev.netext.api.ProviderEvent#NO_FLOW} (0) is never a flow's id. */
    long id();

    Direction direction();

    /** The local socket's address and port. */
    Endpoint local();

    /**
     * The remote address and port. For an unconnected UDP socket, the destination of the first datagram; later
     * datagrams may go elsewhere (see {@link dev.netext.api.proxy.Datagram}).
     */
    Endpoint remote();

    /** The local process; {@link ProcessInfo#UNKNOWN} when nothing could be attributed. */
    ProcessInfo process();

    /** The remote's hostname when netext learned one, with its source. */
    Optional<HostnameInfo> hostname();

    /** The interface the flow leaves or arrived on ({@code eth0}, {@code wlan0}, a tunnel), when known. */
    Optional<String> interfaceName();

    /** When the host first saw the flow (SYN, or first datagram). */
    Instant created();

    TransportProtocol protocol();

    /** This flow with a hostname set (a later SNI or Host sighting refines a DNS_MAP guess). */
    Flow withHostname(HostnameInfo hostname);
}
