/**
 * The flow engine: TPROXY listeners (Netty epoll, IP_TRANSPARENT) accept intercepted TCP connections, attribute the
 * process, peek the first client bytes to name the flow, ask the {@link dev.netext.api.filter.FilterDataProvider},
 * then connect upstream with the bypass mark and relay, through a {@link dev.netext.flow.engine.DataGate} per
 * direction when the filter asked to see data. Intercepted UDP is grouped by 5-tuple into
 * {@link dev.netext.flow.engine.InterceptedUdpFlow}s ({@link dev.netext.flow.engine.UdpInterceptor}): named from
 * QUIC Initials or the DNS map, decided the same way, relayed with replies from the original destination. Gateway
 * mode ({@link dev.netext.flow.engine.InterceptionOptions}) applies all of it to forwarded traffic.
 */
package dev.netext.flow.engine;
