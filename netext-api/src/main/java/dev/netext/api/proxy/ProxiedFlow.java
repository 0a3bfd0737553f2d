package dev.netext.api.proxy;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.HostnameInfo;

import java.util.Optional;

/**
 * A claimed flow a proxy now carries: {@code NEAppProxyFlow}. Data read from it is what the local application sent;
 * data written to it is what the application receives. There is no {@code open(withLocalEndpoint:)}: the flow is open
 * when the provider gets it. Blocking; one reader thread and one writer thread at a time.
 */
public sealed interface ProxiedFlow extends AutoCloseable permits ProxiedTcpFlow, ProxiedUdpFlow {

    /** The flow as it was offered to {@link ProxyProvider#handleNewFlow}. */
    Flow flow();

    /**
     * Where the application meant to connect, before netext redirected the flow to the proxy
     * ({@code SO_ORIGINAL_DST}); NE's {@code remoteEndpoint}. Usually {@code flow().remote()}.
     */
    Endpoint originalDestination();

    /** The hostname, possibly learned after the flow was offered (a TLS SNI seen on the first bytes). */
    Optional<HostnameInfo> hostname();

    /** Closes both directions gracefully. Idempotent. */
    @Override
    void close();

    /** Ends the flow with an error for the application (TCP reset). Idempotent. */
    void abort();
}
