package dev.netext.api.dns;

import dev.netext.api.flow.Flow;

/**
 * The raw entry point of a {@link DnsProxyProvider}: {@code NEDNSProxyProvider.handleNewFlow(_:)}, for providers that
 * want the messages themselves. Implement it next to {@code DnsProxyProvider}; without it every flow takes the typed
 * path.
 *
 * <ol>
 *   <li>{@link #handleNewFlow} is called when a DNS flow appears, before any message is parsed. It must return
 *       quickly. {@code false} leaves the flow to the typed path ({@link DnsProxyProvider#handleQuery}).</li>
 *   <li>For a claimed flow, {@link #handleFlow} runs on a host thread dedicated to that flow; the flow is closed when
 *       it returns or throws.</li>
 * </ol>
 */
public interface DnsFlowHandler {

    /** Whether to take this flow's raw messages. */
    boolean handleNewFlow(Flow flow);

    /** Serves a claimed flow until it ends: read queries, write responses. */
    void handleFlow(DnsFlow flow) throws Exception;
}
