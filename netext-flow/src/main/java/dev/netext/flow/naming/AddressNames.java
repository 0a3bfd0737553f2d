package dev.netext.flow.naming;

import java.net.InetAddress;
import java.util.List;

/**
 * The DNS layer's address-to-name map as the flow layer reads it: the names recent DNS answers gave for an address,
 * most recent first (an address shared by many names, as CDNs have, yields several). The DNS proxy fills it; a
 * lambda over any map will do.
 */
@FunctionalInterface
public interface AddressNames {
    /** No DNS knowledge. */
    AddressNames NONE = address -> List.of();

    /** Names for {@code address}, most recent first; empty when none is known. Never null. */
    List<String> namesOf(InetAddress address);
}
