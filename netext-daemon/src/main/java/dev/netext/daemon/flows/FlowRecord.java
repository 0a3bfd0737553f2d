package dev.netext.daemon.flows;

import java.time.Instant;

/**
 * One flow as {@code netext flows} and the dashboard show it: a snapshot of a {@link FlowTable} row.
 *
 * @param state          {@code deciding} (named, no verdict yet), {@code paused} (waiting for a prompt's answer),
 *                       {@code open} (allowed, relaying), {@code dropped}, {@code closed}
 * @param hostnameSource {@code dns_map}, {@code tls_sni}, {@code quic_sni}, {@code http_host}, {@code provider}, or null
 * @param verdict        {@code allow}, {@code drop}, {@code drop-silently}, {@code paused}, {@code filter-data}, or null
 * @param proxy          where an allowed flow goes: {@code direct} until a proxy layer claims flows; null otherwise
 * @param bytesIn        bytes from the remote, -1 until the flow closed (the engine reports bytes at close)
 * @param prompt         the prompt of a flow a filter paused to ask, or null
 * @param dnsSequence    the sequence number of the DNS answer that named the flow, or 0
 * @param updated        the sequence number of the last event that changed this row
 * @param savedRule      the id of the saved rule that decided the flow, or null (the profile decided)
 * @param direction      {@code out} (this host opened it) or {@code in} (another host connected to a local service:
 *                       {@code local} is the service, {@code remote} the client, the process the server)
 */
public record FlowRecord(long id, String profile, String state, String protocol, String local, String remote,
                         String hostname, String hostnameSource, Integer pid, String executable, Long uid,
                         String verdict, String proxy, long bytesIn, long bytesOut, Instant opened, Prompt prompt,
                         long dnsSequence, long updated, String savedRule, String direction) {

    /**
     * @param deadline     when the prompt times out
     * @param defaultVerdict what it times out to
     * @param outcome      {@code pending}, the answer ({@code allow-once}, {@code allow-always}, {@code deny}) or
     *                     {@code timeout}
     */
    public record Prompt(Instant deadline, String defaultVerdict, String outcome) {}

    /** The process for people: the executable's file name and pid, or {@code ?}. */
    public String processLabel() {
        String exe = executable == null ? null : executable.substring(executable.lastIndexOf('/') + 1);
        if (exe == null && pid == null) return "?";
        return (exe == null ? "?" : exe) + (pid == null ? "" : "[" + pid + "]");
    }
}
