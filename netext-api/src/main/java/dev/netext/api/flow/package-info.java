/**
 * Flows and the rules that select them: {@code NEFilterFlow}/{@code NEFilterSocketFlow} and the metadata of
 * {@code NEAppProxyFlow}, {@code NENetworkRule}, {@code NEAppRule}.
 *
 * <p>netext adds what NE developers miss: a global flow id that ties together every provider's events about a flow;
 * the process behind a flow reported attribute by attribute ({@link dev.netext.api.flow.ProcessInfo}) instead of an
 * audit token that may be empty; and a hostname even when the application connected by address, with its source
 * ({@link dev.netext.api.flow.HostnameInfo}: DNS map, TLS or QUIC SNI, HTTP Host). Rules match on those hostnames,
 * on port ranges and on Linux process identity (executable, cgroup, uid, container).
 */
package dev.netext.api.flow;
