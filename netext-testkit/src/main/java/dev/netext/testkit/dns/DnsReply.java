package dev.netext.testkit.dns;

import dev.netext.api.dns.DnsRecord;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;

/**
 * A DNS response as a test sees it, decoded by Netty's codec (an implementation independent of netext's own wire
 * code, so tests check netext against it rather than against itself).
 *
 * @param ednsUdpSize the OPT record's UDP payload size, if the response had one
 * @param size        the message's length in bytes
 */
public record DnsReply(int id, int rcode, boolean truncated, boolean authoritative, boolean authenticData,
                       boolean recursionAvailable, String questionName, int questionType, List<DnsRecord> answers,
                       List<DnsRecord> authorities, OptionalInt ednsUdpSize, boolean dnssecOk, int size) {

    public static final int NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4, REFUSED = 5;

    /** The A/AAAA addresses in the answer, as text. */
    public List<String> addresses() {
        return answers.stream().flatMap(r -> r.addressValue().stream()).map(a -> a.getHostAddress()).toList();
    }

    /** The concatenated character-strings of the TXT answers. */
    public String txt() {
        StringBuilder sb = new StringBuilder();
        for (DnsRecord r : answers) {
            if (r.type().code() != 16) continue;
            byte[] d = r.rdata();
            for (int i = 0; i < d.length; ) {
                int l = d[i] & 0xFF;
                sb.append(new String(d, i + 1, Math.min(l, d.length - i - 1), StandardCharsets.UTF_8));
                i += l + 1;
            }
        }
        return sb.toString();
    }
}
