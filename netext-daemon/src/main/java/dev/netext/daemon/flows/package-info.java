/**
 * What the daemon knows about flows across all its profiles: one flow-id counter shared by the flow engines and the
 * DNS proxies ({@link dev.netext.daemon.flows.FlowServices}), the live {@link dev.netext.daemon.flows.FlowTable}
 * behind {@code netext flows} and the dashboard, the link from a flow to the DNS answer that named it
 * ({@link dev.netext.daemon.flows.DnsAnswerLinker}), and the allow rules a prompt's "allow always" adds for the
 * daemon's lifetime ({@link dev.netext.daemon.flows.SessionRules}).
 */
package dev.netext.daemon.flows;
