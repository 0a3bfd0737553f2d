package dev.netext.api.flow;

import java.time.Instant;
import java.util.Optional;

/**
 * A TCP connection: {@code NEFilterSocketFlow} with {@code socketType} {@code SOCK_STREAM}, {@code NEAppProxyTCPFlow}
 * before it is claimed.
 */
public record TcpFlow(
        long id,
        Direction direction,
        Endpoint local,
        Endpoint remote,
        ProcessInfo process,
        Optional<HostnameInfo> hostname,
        Optional<String> interfaceName,
        Instant created) implements Flow {

    public TcpFlow {
        FlowChecks.validate(id, direction, local, remote, created);
        if (process == null) process = ProcessInfo.UNKNOWN;
        if (hostname == null) hostname = Optional.empty();
        if (interfaceName == null) interfaceName = Optional.empty();
    }

    @Override
    public TransportProtocol protocol() { return TransportProtocol.TCP; }

    @Override
    public TcpFlow withHostname(HostnameInfo hostname) {
        return new TcpFlow(id, direction, local, remote, process, Optional.of(hostname), interfaceName, created);
    }
}
