package dev.netext.api.dns;

import dev.netext.api.Verdict;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What to do with a query: the typed outcome of {@link DnsProxyProvider#handleQuery}. In NE a DNS proxy must write
 * response datagrams itself; here it decides and the host builds the response (ID, flags, question, EDNS, truncation
 * over UDP) correctly.
 */
public sealed interface DnsDecision extends Verdict {

    /** Send the query to the servers of a {@linkplain DnsServerGroup server group} and relay their answer. */
    record Forward(String serverGroup) implements DnsDecision {
        public Forward {
            if (serverGroup == null || serverGroup.isBlank()) throw new IllegalArgumentException("server group is empty");
        }
    }

    /**
     * Answer NOERROR with these records in the answer section; no records is NODATA. Records may be for other names
     * than the query's (a CNAME chain); the host does not check that they answer the question.
     */
    record Answer(List<DnsRecord> records) implements DnsDecision {
        public Answer {
            records = List.copyOf(records);
        }
    }

    /** Refuse to resolve the name. */
    record Block(BlockKind kind) implements DnsDecision {
        public Block {
            if (kind == null) throw new IllegalArgumentException("kind is null");
        }
    }

    /**
     * Let the system resolve as if this provider were not there (through the next DNS proxy, or the system's
     * resolvers): what an NE DNS proxy gets by returning {@code false} from {@code handleNewFlow}, here per query.
     */
    record Default() implements DnsDecision {}

    /** How a blocked name looks to the client. */
    sealed interface BlockKind {
        BlockKind NXDOMAIN = new NxDomain();
        BlockKind REFUSED = new Refused();

        /** RCODE 3: the name does not exist. What most clients handle best. */
        record NxDomain() implements BlockKind {}

        /** RCODE 5: the server refuses. Clients may retry with another server. */
        record Refused() implements BlockKind {}

        /**
         * Answer with fixed addresses (a block page, {@code 0.0.0.0}, {@code ::}): A queries get the IPv4 addresses,
         * AAAA queries the IPv6 ones; any other type, or a family without addresses here, gets NODATA.
         */
        record Sinkhole(List<InetAddress> addresses, long ttl) implements BlockKind {
            public static final long DEFAULT_TTL = 60;

            public Sinkhole {
                addresses = List.copyOf(addresses);
                if (addresses.isEmpty()) throw new IllegalArgumentException("a sinkhole needs at least one address");
                if (ttl < 0 || ttl > DnsRecord.MAX_TTL) throw new IllegalArgumentException("ttl " + ttl + " out of range");
            }

            /** The answer records for {@code query}: the addresses of its family, owned by the queried name. */
            public List<DnsRecord> answerFor(DnsQuery query) {
                List<DnsRecord> out = new ArrayList<>();
                if (!query.type().isAddress() || !query.dnsClass().equals(DnsClass.IN)) return out;
                for (InetAddress a : addresses) {
                    DnsRecord r = DnsRecord.address(query.name(), ttl, a);
                    if (r.type().equals(query.type())) out.add(r);
                }
                return List.copyOf(out);
            }
        }
    }

    static DnsDecision forward(String serverGroup) { return new Forward(serverGroup); }

    static DnsDecision answer(List<DnsRecord> records) { return new Answer(records); }

    static DnsDecision answer(DnsRecord... records) { return new Answer(List.of(records)); }

    static DnsDecision nxdomain() { return new Block(BlockKind.NXDOMAIN); }

    static DnsDecision refused() { return new Block(BlockKind.REFUSED); }

    static DnsDecision sinkhole(InetAddress... addresses) {
        return new Block(new BlockKind.Sinkhole(List.of(addresses), BlockKind.Sinkhole.DEFAULT_TTL));
    }

    static DnsDecision defaultResolution() { return new Default(); }
}
