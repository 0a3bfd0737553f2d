package dev.netext.flow.naming;

import dev.netext.api.flow.HostnameInfo;
import dev.netext.wire.peek.PeekStatus;

import java.util.List;
import java.util.Optional;

/**
 * What {@link FlowNamer} made of a flow's first bytes: the best hostname with its source, the protocol recognised,
 * and whether more bytes could tell more.
 *
 * @param hostname      the best name known now: from the flow's content (SNI, Host) when it carries one, else from
 *                      the DNS map. While {@code content} is {@link PeekStatus#NEED_MORE} this is provisional.
 * @param protocol      what the first bytes are
 * @param content       the peek's outcome for that protocol; {@link PeekStatus#NOT_THIS_PROTOCOL} when no peeker
 *                      recognised the bytes
 * @param needed        with {@link PeekStatus#NEED_MORE}: bytes at least still missing (for QUIC: CRYPTO bytes, in
 *                      later datagrams); otherwise 0
 * @param alpn          ALPN protocols offered (TLS and QUIC), e.g. {@code [h2, http/1.1]}
 * @param echOffered    the ClientHello carries Encrypted Client Hello: its SNI is only the public name
 * @param problem       with {@link PeekStatus#MALFORMED}: which rule the bytes broke
 */
public record FlowName(Optional<HostnameInfo> hostname, Protocol protocol, PeekStatus content, int needed,
                       List<String> alpn, boolean echOffered, String problem) {

    /** The application protocol recognised from the first bytes. */
    public enum Protocol { TLS, HTTP, QUIC, UNKNOWN }

    public FlowName {
        if (hostname == null) hostname = Optional.empty();
        alpn = alpn == null ? List.of() : List.copyOf(alpn);
    }

    /** Whether peeking is over: more bytes would not change the answer. */
    public boolean settled() { return content != PeekStatus.NEED_MORE; }
}
