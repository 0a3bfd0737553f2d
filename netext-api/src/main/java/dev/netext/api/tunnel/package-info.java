/**
 * Packet tunnels: {@code NEPacketTunnelProvider}, {@code NEPacketTunnelFlow} and
 * {@code NEPacketTunnelNetworkSettings}. netext moves packets in preallocated batches over a TUN device instead of
 * arrays of {@code Data}, reads block instead of calling back, and a full tunnel keeps the provider's own traffic out
 * with a socket mark and policy rule rather than by special-casing the provider process.
 */
package dev.netext.api.tunnel;
