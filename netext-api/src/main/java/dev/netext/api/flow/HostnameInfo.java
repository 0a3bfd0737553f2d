package dev.netext.api.flow;

import dev.netext.api.net.DomainName;

/**
 * The hostname a flow is for, and how netext learned it. Network Extension offers only {@code remoteHostname}, which
 * is empty whenever the application connected by address (as Chrome does after resolving on its own); netext fills
 * the name from whatever it saw, and says where it came from so a filter can decide how much to trust it.
 *
 * @param hostname normalized (lower case, no trailing dot)
 */
public record HostnameInfo(String hostname, Source source) {

    /** Where a hostname came from, from least to most specific to the flow. */
    public enum Source {
        /** An earlier DNS answer mapped the flow's remote address to this name (the same process asked, if known). */
        DNS_MAP,
        /** The server name indication in the flow's TLS ClientHello. */
        TLS_SNI,
        /** The server name indication in the flow's QUIC Initial packet (decrypted with the version's initial keys). */
        QUIC_SNI,
        /** The {@code Host} header (or {@code :authority}) of the flow's first cleartext HTTP request. */
        HTTP_HOST,
        /** A provider set it: an app proxy that received the name from its application, or a test. */
        PROVIDER
    }

    public HostnameInfo {
        if (source == null) throw new IllegalArgumentException("source is null");
        hostname = DomainName.normalize(hostname);
        if (hostname.isEmpty()) throw new IllegalArgumentException("empty hostname");
    }

    /** Whether the name came from the flow's own bytes (SNI or Host) rather than from an earlier lookup. */
    public boolean fromFlowContent() {
        return source == Source.TLS_SNI || source == Source.QUIC_SNI || source == Source.HTTP_HOST;
    }

    @Override
    public String toString() { return hostname + " (" + source + ")"; }
}
