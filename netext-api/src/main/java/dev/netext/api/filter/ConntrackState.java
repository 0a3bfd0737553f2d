package dev.netext.api.filter;

/** The kernel connection tracker's view of a packet ({@code ctstate} in nftables). NE has no equivalent. */
public enum ConntrackState {
    /** The first packet of a connection conntrack has not seen before. */
    NEW,
    /** A packet of a connection that has seen traffic both ways. */
    ESTABLISHED,
    /** A new connection tied to an existing one (an ICMP error, an FTP data channel). */
    RELATED,
    /** A packet conntrack cannot place (a stray TCP segment, a malformed header). */
    INVALID,
    /** Exempted from tracking ({@code notrack}). */
    UNTRACKED
}
