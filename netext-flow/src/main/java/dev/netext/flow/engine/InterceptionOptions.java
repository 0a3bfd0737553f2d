package dev.netext.flow.engine;

import java.time.Duration;
import java.util.List;

/**
 * What the engine intercepts besides locally originated TCP.
 *
 * @param udp               intercept UDP too (TPROXY with IP_RECVORIGDSTADDR), grouped into flows by 5-tuple
 * @param udpIdleTimeout    a UDP flow with no datagram either way for this long is closed
 * @param gatewayInterfaces gateway mode: forwarded TCP and UDP arriving on these interfaces (from other namespaces or
 *                          hosts that route through this one) is intercepted as well; empty: local traffic only
 * @param excludeDns        leave port 53 alone because the DNS layer intercepts it (otherwise a query would be
 *                          steered twice, and the redirected query would reach the flow listener)
 */
public record InterceptionOptions(boolean udp, Duration udpIdleTimeout, List<String> gatewayInterfaces,
                                  boolean excludeDns) {
    /** UDP on, 60 s idle timeout, local traffic only, port 53 intercepted like any other. */
    public static final InterceptionOptions DEFAULT = new InterceptionOptions(true, Duration.ofSeconds(60), List.of(), false);

    public InterceptionOptions {
        if (udpIdleTimeout == null || udpIdleTimeout.isNegative() || udpIdleTimeout.isZero())
            throw new IllegalArgumentException("bad udpIdleTimeout");
        gatewayInterfaces = List.copyOf(gatewayInterfaces == null ? List.of() : gatewayInterfaces);
    }

    public InterceptionOptions withUdp(boolean on) {
        return new InterceptionOptions(on, udpIdleTimeout, gatewayInterfaces, excludeDns);
    }

    public InterceptionOptions withUdpIdleTimeout(Duration idle) {
        return new InterceptionOptions(udp, idle, gatewayInterfaces, excludeDns);
    }

    public InterceptionOptions withGateway(List<String> interfaces) {
        return new InterceptionOptions(udp, udpIdleTimeout, interfaces, excludeDns);
    }

    public InterceptionOptions withDnsExcluded(boolean exclude) {
        return new InterceptionOptions(udp, udpIdleTimeout, gatewayInterfaces, exclude);
    }
}
