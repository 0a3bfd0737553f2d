/**
 * The netext provider model: the Linux counterpart of Apple's Network Extension framework ({@code NEProvider} and
 * its subclasses), shared by every provider kind.
 *
 * <p>{@link dev.netext.api.Provider} is {@code NEProvider}; {@link dev.netext.api.ProviderKind} names the six
 * provider classes netext runs; {@link dev.netext.api.ProviderStatus} is {@code NEVPNStatus}. What netext adds:
 * one calling convention for all providers (blocking calls on host-owned threads instead of completion handlers), a
 * {@link dev.netext.api.ProviderContext} that is a plain interface (so provider code runs in unit tests with a fake),
 * declared memory budgets with a warning before enforcement, and an ordered event stream
 * ({@link dev.netext.api.ProviderEvent}, {@link dev.netext.api.EventSink}) in which every decision about a flow is
 * recorded with a global sequence number and the flow's id.
 */
package dev.netext.api;
