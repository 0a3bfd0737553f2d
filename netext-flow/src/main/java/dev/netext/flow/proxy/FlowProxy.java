package dev.netext.flow.proxy;

import dev.netext.api.flow.Flow;
import dev.netext.api.proxy.ClaimDecision;
import dev.netext.api.proxy.ProxyChain;

/**
 * One proxy of the engine's {@link ProxyChain}: its place and rules ({@link #member()}), its decision on each flow its
 * rules select, and the server that carries the flows it claims. The engine opens the tunnel through the server and
 * relays (or splices) the bytes itself, so a claimed flow costs what a direct one does after the handshake.
 */
public interface FlowProxy {

    ProxyChain.Member member();

    ProxyServer server();

    /**
     * Called, on a decider thread, for each flow the rules select and no earlier proxy claimed. The built-in proxies
     * claim every such flow their server can carry (an HTTP CONNECT proxy declines UDP); a throw declines.
     */
    default ClaimDecision handleNewFlow(Flow flow) {
        return server().carries(flow.protocol()) ? ClaimDecision.CLAIM : ClaimDecision.DECLINE;
    }

    /** The built-in proxies: every flow the member's rules select goes through {@code server}. */
    record Upstream(ProxyChain.Member member, ProxyServer server) implements FlowProxy {
        public Upstream {
            if (member == null || server == null) throw new IllegalArgumentException("member and server are required");
        }
    }
}
