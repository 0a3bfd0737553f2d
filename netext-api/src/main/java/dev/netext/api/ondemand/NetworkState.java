package dev.netext.api.ondemand;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * The current network as on-demand rules see it: the interface holding the default route, and the system resolver
 * configuration. The host builds it from rtnetlink and the resolver state; tests build it by hand.
 *
 * @param interfaceName empty when there is no default route (offline)
 */
public record NetworkState(Optional<String> interfaceName, Optional<InterfaceType> interfaceType,
                           List<String> dnsSearchDomains, List<InetAddress> dnsServers) {

    public static final NetworkState OFFLINE =
            new NetworkState(Optional.empty(), Optional.empty(), List.of(), List.of());

    public NetworkState {
        if (interfaceName == null) interfaceName = Optional.empty();
        if (interfaceType == null) interfaceType = Optional.empty();
        dnsSearchDomains = List.copyOf(dnsSearchDomains);
        dnsServers = List.copyOf(dnsServers);
    }

    public static NetworkState of(String interfaceName, InterfaceType type, List<String> searchDomains,
                                  List<InetAddress> dnsServers) {
        return new NetworkState(Optional.of(interfaceName), Optional.of(type), searchDomains, dnsServers);
    }

    public boolean isOffline() { return interfaceName.isEmpty(); }
}
