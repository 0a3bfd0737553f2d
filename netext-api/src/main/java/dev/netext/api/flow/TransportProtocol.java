package dev.netext.api.flow;

/** The transport of a flow, or {@link #ANY} in a rule: {@code NENetworkRuleProtocol}. */
public enum TransportProtocol {
    ANY, TCP, UDP;

    /** Whether a rule with this protocol matches a flow of {@code actual}. */
    public boolean matches(TransportProtocol actual) {
        return this == ANY || this == actual;
    }
}
