package dev.netext.api.flow;

import java.time.Instant;
import java.util.Optional;

/**
 * The traffic of one UDP socket: {@code NEFilterSocketFlow} with {@code SOCK_DGRAM}, {@code NEAppProxyUDPFlow} before it is
 * claimed. UDP has no connection, so the host ends the flow when the socket closes or after an idle timeout.
 */
public record UdpFlow(
        long id,
        Direction direction,
        Endpoint local,
        Endpoint remote,
        ProcessInfo process,
        Optional<HostnameInfo> hostname,
        Optional<String> interfaceName,
        Instant created) implements Flow {

    public UdpFlow {
        FlowChecks.validate(id, direction, local, remote, created);
        if (process == null) process = ProcessInfo.UNKNOWN;
        if (hostname == null) hostname = Optional.empty();
        if (interfaceName == null) interfaceName = Optional.empty();
    }

    @Override
    public TransportProtocol protocol() { return TransportProtocol.UDP; }

    @Override
    public UdpFlow withHostname(HostnameInfo hostname) {
        return new UdpFlow(id, direction, local, remote, process, Optional.of(hostname), interfaceName, created);
    }
}
