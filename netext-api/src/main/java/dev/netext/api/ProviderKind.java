package dev.netext.api;

/**
 * The kinds of provider netext runs, one per Network Extension provider class. A profile names exactly one kind per
 * provider; the host picks the context type and the events it publishes from it.
 */
public enum ProviderKind {
    /** {@code NEPacketTunnelProvider}: a VPN that owns a TUN device. See {@link dev.netext.api.tunnel}. */
    PACKET_TUNNEL,
    /** {@code NEDNSProxyProvider}: sees every DNS query, typed. See {@link dev.netext.api.dns}. */
    DNS_PROXY,
    /** {@code NEFilterDataProvider}: allows or drops flows, optionally after peeking at their bytes. */
    FILTER_DATA,
    /** {@code NEFilterPacketProvider}: allows, drops, delays or rewrites single packets. */
    FILTER_PACKET,
    /** {@code NETransparentProxyProvider}: claims matching flows of any process and carries them itself. */
    TRANSPARENT_PROXY,
    /** {@code NEAppProxyProvider}: claims flows of selected applications (per-app VPN). */
    APP_PROXY
}
