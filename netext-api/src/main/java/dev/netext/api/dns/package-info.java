/**
 * DNS proxies: {@code NEDNSProxyProvider}. An NE DNS proxy receives raw UDP and TCP flows and must parse and build DNS
 * messages itself just to implement split DNS. netext parses queries for it
 * ({@link dev.netext.api.dns.DnsQuery}: name, type, class, EDNS, client, process) and takes a typed
 * {@link dev.netext.api.dns.DnsDecision}: forward to a named server group, answer with records built by
 * {@link dev.netext.api.dns.DnsRecord}'s factories, block (NXDOMAIN, REFUSED or sinkhole), or leave to the system.
 * The raw, message-level path remains for providers that want it ({@link dev.netext.api.dns.DnsFlowHandler}).
 * Every decision is published as a {@link dev.netext.api.ProviderEvent.DnsQueried} event, and answers feed the
 * address-to-name map that gives filters and proxies a hostname for flows opened by address.
 */
package dev.netext.api.dns;
