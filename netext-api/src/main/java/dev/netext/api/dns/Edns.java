package dev.netext.api.dns;

import dev.netext.api.net.IpPrefix;

import java.util.Optional;

/**
 * The EDNS(0) options of a query that netext interprets (RFC 6891): the OPT record's advertised UDP payload size, the
 * DO bit, and the client-subnet option (RFC 7871). Absent from a {@link DnsQuery} when the query had no OPT record.
 *
 * @param udpPayloadSize the requester's UDP payload size; values below 512 are treated as 512 (RFC 6891 §6.2.5)
 * @param dnssecOk       the DO bit: the client wants DNSSEC records
 * @param clientSubnet   the ECS option, if present
 */
public record Edns(int udpPayloadSize, boolean dnssecOk, Optional<ClientSubnet> clientSubnet) {

    public Edns {
        if (udpPayloadSize < 0 || udpPayloadSize > 0xFFFF)
            throw new IllegalArgumentException("UDP payload size " + udpPayloadSize + " outside 0..65535");
        udpPayloadSize = Math.max(512, udpPayloadSize);
        if (clientSubnet == null) clientSubnet = Optional.empty();
    }

    /**
     * The client-subnet option: the source prefix the client disclosed and, in responses, the scope the answer is
     * valid for.
     */
    public record ClientSubnet(IpPrefix source, int scopePrefixLength) {
        public ClientSubnet {
            if (source == null) throw new IllegalArgumentException("source is null");
            source = source.network();
            if (scopePrefixLength < 0 || scopePrefixLength > source.family().bits())
                throw new IllegalArgumentException("scope prefix length " + scopePrefixLength + " out of range");
        }
    }
}
