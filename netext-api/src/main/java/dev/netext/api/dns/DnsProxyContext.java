package dev.netext.api.dns;

import dev.netext.api.ProviderContext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/** What the host gives a running {@link DnsProxyProvider}. */
public interface DnsProxyContext extends ProviderContext {

    /** The server groups the profile declares, in profile order. */
    List<DnsServerGroup> serverGroups();

    /**
     * Sends a raw DNS message to a server group and returns the response, blocking: the raw-path counterpart of
     * {@link DnsDecision.Forward}, for a {@link DnsFlowHandler} or a provider that wants to look at an answer before
     * returning it.
     *
     * @throws IOException              when no server of the group answers within {@code timeout}
     * @throws IllegalArgumentException for an unknown group
     */
    ByteBuffer exchange(String serverGroup, ByteBuffer query, Duration timeout) throws IOException;
}
