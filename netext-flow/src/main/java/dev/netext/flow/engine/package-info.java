/**
 * The flow engine: TPROXY listeners (Netty epoll, IP_TRANSPARENT) accept intercepted TCP connections; intercepted UDP
 * is grouped by 5-tuple ({@link dev.netext.flow.engine.UdpInterceptor}). Every flow is decided by one
 * {@link dev.netext.flow.engine.FlowPipeline} — attribute the process, name the flow from its first bytes, ask the
 * {@link dev.netext.api.filter.FilterDataProvider}, walk the proxy chain, act — and its bytes are moved by an adapter
 * of its transport: {@link dev.netext.flow.engine.InterceptedFlow} (TCP: connect upstream with the bypass mark and
 * relay, through a {@link dev.netext.flow.engine.DataGate} per direction the filter watches, or splice) and
 * {@link dev.netext.flow.engine.InterceptedUdpFlow} (UDP: relayed with replies from the original destination).
 * Gateway mode ({@link dev.netext.flow.engine.InterceptionOptions}) applies all of it to forwarded traffic.
 */
package dev.netext.flow.engine;
