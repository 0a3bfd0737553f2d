/**
 * The flow engine: TPROXY listeners (Netty epoll, IP_TRANSPARENT) accept intercepted TCP connections, attribute the
 * process, peek the first client bytes to name the flow, ask the {@link dev.netext.api.filter.FilterDataProvider},
 * then connect upstream with the bypass mark and relay, through a {@link dev.netext.flow.engine.DataGate} per
 * direction when the filter asked to see data.
 */
package dev.netext.flow.engine;
