/**
 * Content filters: {@code NEFilterDataProvider} on flows and {@code NEFilterPacketProvider} on packets, with
 * {@code NEFilterSettings}/{@code NEFilterRule} choosing which flows reach the provider at all.
 *
 * <p>netext adds: flows that carry process and hostname when NE's would not; bounded pauses resumed through a
 * {@link dev.netext.api.filter.FilterControl}; a choice of reset or silent drop; rule fetching without a separate
 * control provider; packet rewriting ({@link dev.netext.api.filter.PacketVerdict.Modify}); and packet contexts that
 * expose conntrack state and let the provider decide a whole connection in the kernel
 * ({@link dev.netext.api.filter.PacketContext#markFlowDecided}).
 */
package dev.netext.api.filter;
