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
 * @param fastPath          locally opened TCP and UDP — and in gateway mode forwarded TCP and UDP, in each family the
 *                          namespace forwards — are judged on the fast path ({@link VerdictQueue}) when the filter
 *                          allows ({@link dev.netext.api.filter.FilterDataProvider#pathFor}): a connection's SYN and
 *                          first packets (a UDP flow's first datagrams) are queued, the rest stays in the kernel;
 *                          false forces every flow through TPROXY
 * @param inbound           also judge connections other hosts open to local services (TCP SYNs and first UDP
 *                          datagrams, through a netfilter queue: {@link dev.netext.flow.inbound.InboundInterceptor});
 *                          off, inbound traffic is not touched at all
 * @param failOpen          while no netext process holds a queue (killed), new connections it would judge — the fast
 *                          path's and inbound ones — pass unjudged (true) or are dropped (false): the filter's
 *                          {@code on-failure}; connections already judged keep their verdict either way
 */
public record InterceptionOptions(boolean udp, Duration udpIdleTimeout, List<String> gatewayInterfaces,
                                  boolean excludeDns, boolean fastPath, boolean inbound, boolean failOpen) {
    /** UDP on, 60 s idle timeout, local traffic only, port 53 intercepted like any other, the fast path, inbound untouched, fail-open. */
    public static final InterceptionOptions DEFAULT = new InterceptionOptions(true, Duration.ofSeconds(60), List.of(),
            false, true, false, true);

    /** The fast path on, inbound untouched, fail-open. */
    public InterceptionOptions(boolean udp, Duration udpIdleTimeout, List<String> gatewayInterfaces, boolean excludeDns) {
        this(udp, udpIdleTimeout, gatewayInterfaces, excludeDns, true, false, true);
    }

    public InterceptionOptions {
        if (udpIdleTimeout == null || udpIdleTimeout.isNegative() || udpIdleTimeout.isZero())
            throw new IllegalArgumentException("bad udpIdleTimeout");
        gatewayInterfaces = List.copyOf(gatewayInterfaces == null ? List.of() : gatewayInterfaces);
    }

    public InterceptionOptions withUdp(boolean on) {
        return new InterceptionOptions(on, udpIdleTimeout, gatewayInterfaces, excludeDns, fastPath, inbound, failOpen);
    }

    public InterceptionOptions withUdpIdleTimeout(Duration idle) {
        return new InterceptionOptions(udp, idle, gatewayInterfaces, excludeDns, fastPath, inbound, failOpen);
    }

    public InterceptionOptions withGateway(List<String> interfaces) {
        return new InterceptionOptions(udp, udpIdleTimeout, interfaces, excludeDns, fastPath, inbound, failOpen);
    }

    public InterceptionOptions withDnsExcluded(boolean exclude) {
        return new InterceptionOptions(udp, udpIdleTimeout, gatewayInterfaces, exclude, fastPath, inbound, failOpen);
    }

    /** {@code false}: every flow takes the terminated path (TPROXY), as before the fast path. */
    public InterceptionOptions withFastPath(boolean on) {
        return new InterceptionOptions(udp, udpIdleTimeout, gatewayInterfaces, excludeDns, on, inbound, failOpen);
    }

    /** Inbound connections judged ({@code on}), passing while the queue is unbound when {@code failOpen}. */
    public InterceptionOptions withInbound(boolean on, boolean failOpen) {
        return new InterceptionOptions(udp, udpIdleTimeout, gatewayInterfaces, excludeDns, fastPath, on, failOpen);
    }

    public InterceptionOptions withFailOpen(boolean open) {
        return new InterceptionOptions(udp, udpIdleTimeout, gatewayInterfaces, excludeDns, fastPath, inbound, open);
    }
}
