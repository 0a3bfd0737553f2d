/**
 * Naming flows: a hostname for every flow, with its source, from the DNS map and the flow's first bytes (TLS and
 * QUIC ClientHello SNI, HTTP/1 Host) — see {@link dev.netext.flow.naming.FlowNamer}. Peeking happens before the
 * upstream connection is opened, so a filter can decide on the name.
 */
package dev.netext.flow.naming;
