package dev.netext.linux.netns;

import dev.netext.api.net.IpPrefix;
import dev.netext.linux.ffm.Ifreq;

import java.util.Arrays;
import java.util.List;

/**
 * One end of a veth pair in a lab: which lab namespace it goes to, its interface name, and its addresses.
 *
 * @param namespace the lab's short namespace name ({@code "device"}, not {@code "nx3fa2-device"})
 * @param link      the interface name inside that namespace, at most 15 characters. Both ends are created directly
 *                  inside their namespaces, so the name only has to be unique there, never on the host.
 * @param addresses interface addresses with prefix length ({@code 10.99.0.2/24}, {@code fd99::2/64}); may be empty
 */
public record VethEnd(String namespace, String link, List<IpPrefix> addresses) {
    public VethEnd {
        if (namespace == null || namespace.isEmpty()) throw new IllegalArgumentException("namespace is empty");
        Ifreq.checkName(link);
        addresses = List.copyOf(addresses);
    }

    /** An end with addresses in text form; {@code null} entries are skipped, so optional IPv6 can be passed as null. */
    public static VethEnd of(String namespace, String link, String... addresses) {
        return new VethEnd(namespace, link, Arrays.stream(addresses).filter(a -> a != null && !a.isBlank()).map(IpPrefix::parse).toList());
    }
}
