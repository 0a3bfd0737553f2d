/**
 * What the daemon knows about flows across all its profiles: one flow-id counter shared by the flow engines and the
 * DNS proxies ({@link dev.netext.daemon.flows.FlowServices}), the live {@link dev.netext.daemon.flows.FlowTable}
 * behind {@code netext flows} and the dashboard, the link from a flow to the DNS answer that named it
 * ({@link dev.netext.daemon.flows.DnsAnswerLinker}), and the daemon's saved rules
 * ({@link dev.netext.daemon.rules.SavedRules}).
 */
package dev.netext.daemon.flows;
