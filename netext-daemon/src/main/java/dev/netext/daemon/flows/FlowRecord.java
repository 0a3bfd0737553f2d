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
 * @param decidedBy      the rule that decided the flow (or paused it for a prompt), or null (a custom filter provider
 *                       decided, or nothing yet)
 * @param direction      {@code out} (this host opened it) or {@code in} (another host connected to a local service:
 *                       {@code local} is the service, {@code remote} the client, the process the server)
 */
public record FlowRecord(long id, String profile, String state, String protocol, String local, String remote,
                         String hostname, String hostnameSource, Integer pid, String executable, Long uid,
                         String verdict, String proxy, long bytesIn, long bytesOut, Instant opened, Prompt prompt,
                         long dnsSequence, long updated, DecidedBy decidedBy, String direction) {

    /**
     * @param deadline     when the prompt times out
     * @param defaultVerdict what it times out to
     * @param outcome      {@code pending}, the answer ({@code allow-once}, {@code allow-always}, {@code deny}) or
     *                     {@code timeout}
     */
    public record Prompt(Instant deadline, String defaultVerdict, String outcome) {}

    /**
     * The rule that decided a flow.
     *
     * @param kind   {@code saved} (a saved rule: prompt answer or {@code netext rules add}) or {@code profile} (a rule of
     *               the profile's {@code filter:} section, or its default)
     * @param rule   the saved rule's id, or {@code PROFILE#N} (N counts the profile's rules from 1) or
     *               {@code PROFILE#default}
     * @param match  the profile rule's selectors ({@code host=*.example.com port=443}), or null for a saved rule
     * @param action the profile rule's action ({@code allow}, {@code drop}, {@code prompt}), or null for a saved rule
     */
    public record DecidedBy(String kind, String rule, String match, String action) {}

    /** The process for people: the executable's file name and pid, or {@code ?}. */
    public String processLabel() {
        String exe = executable == null ? null : executable.substring(executable.lastIndexOf('/') + 1);
        if (exe == null && pid == null) return "?";
        return (exe == null ? "?" : exe) + (pid == null ? "" : "[" + pid + "]");
    }
}
