/**
 * Upstream proxies for the flow engine's ordered proxy chain: SOCKS5 (RFC 1928/1929; TCP CONNECT through the engine,
 * UDP ASSOCIATE as a client of its own) and HTTP CONNECT. Handshakes are transport-free state machines
 * ({@link dev.netext.flow.proxy.UpstreamHandshake}) run over Netty by {@link dev.netext.flow.proxy.HandshakeHandler}.
 */
package dev.netext.flow.proxy;
