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
 * @param inbound           also judge connections other hosts open to local services (TCP SYNs and first UDP
 *                          datagrams, through a netfilter queue: {@link dev.netext.flow.inbound.InboundInterceptor});
 *                          off, inbound traffic is not touched at all
 * @param inboundFailOpen   while no netext process holds the inbound queue, new inbound connections pass (true) or
 *                          are dropped (false): the filter's {@code on-failure}
 */
public record InterceptionOptions(boolean udp, Duration udpIdleTimeout, List<String> gatewayInterfaces,
                                  boolean excludeDns, boolean inbound, boolean inboundFailOpen) {
    /** UDP on, 60 s idle timeout, local traffic only, port 53 intercepted like any other, inbound untouched. */
    public static final InterceptionOptions DEFAULT = new InterceptionOptions(true, Duration.ofSeconds(60), List.of(),
            false, false, true);

    public InterceptionOptions {
        if (udpIdleTimeout == null || udpIdleTimeout.isNegative() || udpIdleTimeout.isZero())
            throw new IllegalArgumentException("bad udpIdleTimeout");
        gatewayInterfaces = List.copyOf(gatewayInterfaces == null ? List.of() : gatewayInterfaces);
    }

    public InterceptionOptions withUdp(boolean on) {
        return new InterceptionOptions(on, udpIdleTimeout, gatewayInterfaces, excludeDns, inbound, inboundFailOpen);
    }

    public InterceptionOptions withUdpIdleTimeout(Duration idle) {
        return new InterceptionOptions(udp, idle, gatewayInterfaces, excludeDns, inbound, inboundFailOpen);
    }

    public InterceptionOptions withGateway(List<String> interfaces) {
        return new InterceptionOptions(udp, udpIdleTimeout, interfaces, excludeDns, inbound, inboundFailOpen);
    }

    public InterceptionOptions withDnsExcluded(boolean exclude) {
        return new InterceptionOptions(udp, udpIdleTimeout, gatewayInterfaces, exclude, inbound, inboundFailOpen);
    }

    /** Inbound connections judged ({@code on}), passing while the queue is unbound when {@code failOpen}. */
    public InterceptionOptions withInbound(boolean on, boolean failOpen) {
        return new InterceptionOptions(udp, udpIdleTimeout, gatewayInterfaces, excludeDns, on, failOpen);
    }
}
