package dev.netext.api.dns;

/** How a query reached the DNS proxy: {@code NEAppProxyUDPFlow} or {@code NEAppProxyTCPFlow} in NE's DNS proxy. */
public enum DnsTransport { UDP, TCP }
