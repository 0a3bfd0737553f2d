package dev.netext.api;

/**
 * A provider's connection state: {@code NEVPNStatus}. Transitions go disconnected → connecting → connected
 * (⇄ reasserting) → disconnecting → disconnected; every change is an event.
 */
public enum ProviderStatus {
    DISCONNECTED, CONNECTING, CONNECTED, REASSERTING, DISCONNECTING
}
