package dev.netext.api.proxy;

import java.io.IOException;
import java.util.Optional;

/** A claimed UDP flow: {@code NEAppProxyUDPFlow}, datagram by datagram. */
public non-sealed interface ProxiedUdpFlow extends ProxiedFlow {

    /**
     * The next datagram the application sent, with its destination, blocking; empty once the flow is closed or idle
     * past the profile's UDP timeout.
     */
    Optional<Datagram> receive() throws IOException;

    /**
     * Delivers a datagram to the application. netext delivers it from the flow's original destination (the address
     * the application wrote to, which a connected UDP socket requires); {@link Datagram#remote()} is not used as the
     * source yet.
     */
    void send(Datagram datagram) throws IOException;
}
