package dev.netext.flow.rules;

import java.net.InetAddress;

/**
 * A named list a {@link FlowRule} selects on ({@code { list: ads, action: drop }}): host names (exact or with their
 * subdomains, as the list's format says) and address prefixes. Implementations are immutable snapshots or swap one in
 * whole on reload, and answer without blocking: the rules filter decides inline.
 */
public interface FlowList {
    /** The name rules refer to the list by. */
    String name();

    /** Whether the flow's host name is listed. */
    boolean containsHost(String host);

    /** Whether the remote address lies in a listed prefix. */
    boolean containsAddress(InetAddress address);
}
