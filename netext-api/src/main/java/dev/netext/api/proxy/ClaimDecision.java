package dev.netext.api.proxy;

import dev.netext.api.Verdict;
import dev.netext.api.filter.DropMode;

/**
 * A proxy's answer to a new flow: NE's {@code Bool} from {@code handleNewFlow(_:)}, plus {@link Reject}, which NE
 * developers emulate by claiming a flow and closing it at once.
 */
public sealed interface ClaimDecision extends Verdict
        permits ClaimDecision.Claim, ClaimDecision.Decline, ClaimDecision.Reject {

    ClaimDecision CLAIM = new Claim();
    ClaimDecision DECLINE = new Decline();

    /** The provider carries the flow: the host calls {@code handleTcpFlow} or {@code handleUdpFlow} with it. */
    record Claim() implements ClaimDecision {}

    /** Not this provider's: the flow is offered to the next proxy in the {@link ProxyChain}, else goes direct. */
    record Decline() implements ClaimDecision {}

    /** End the flow without carrying it; later proxies do not see it. */
    record Reject(DropMode mode) implements ClaimDecision {
        public Reject {
            if (mode == null) throw new IllegalArgumentException("mode is null");
        }
    }
}
