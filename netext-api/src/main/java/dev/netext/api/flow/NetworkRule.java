package dev.netext.api.flow;

import dev.netext.api.net.DomainName;
import dev.netext.api.net.IpPrefix;

import java.util.Optional;

/**
 * Which flows a filter setting, proxy or on-demand rule applies to: {@code NENetworkRule}. All present conditions must
 * hold; an absent one matches anything.
 *
 * <ul>
 *   <li>{@code remoteNetwork}: the remote address lies in this prefix ({@code destinationNetwork:prefix:}).</li>
 *   <li>{@code remoteHost}: the flow's {@linkplain Flow#hostname() hostname} matches this pattern, see
 *       {@link DomainName#matchesPattern} ({@code destinationHost:}). A flow whose hostname is unknown does not match.
 *       NE matches a host rule only when the application connected by name; netext also matches flows whose name it
 *       learned from DNS, SNI or HTTP. At most one of {@code remoteNetwork} and {@code remoteHost} is set.</li>
 *   <li>{@code remotePorts}: the remote port is in this range (NE takes one port, 0 meaning any).</li>
 *   <li>{@code localNetwork}: the local address lies in this prefix.</li>
 *   <li>{@code protocol} and {@code direction}, as in NE; an absent direction is NE's {@code .any}.</li>
 * </ul>
 */
public record NetworkRule(
        Optional<IpPrefix> remoteNetwork,
        Optional<String> remoteHost,
        PortRange remotePorts,
        Optional<IpPrefix> localNetwork,
        TransportProtocol protocol,
        Optional<Direction> direction) {

    public NetworkRule {
        if (remoteNetwork == null) remoteNetwork = Optional.empty();
        if (remoteHost == null) remoteHost = Optional.empty();
        if (remotePorts == null) remotePorts = PortRange.ALL;
        if (localNetwork == null) localNetwork = Optional.empty();
        if (protocol == null) protocol = TransportProtocol.ANY;
        if (direction == null) direction = Optional.empty();
        if (remoteNetwork.isPresent() && remoteHost.isPresent())
            throw new IllegalArgumentException("a rule matches a remote network or a remote host, not both");
        remoteNetwork = remoteNetwork.map(IpPrefix::network);
        localNetwork = localNetwork.map(IpPrefix::network);
        remoteHost = remoteHost.map(DomainName::normalizePattern);
    }

    /** Every flow. */
    public static NetworkRule any() {
        return new NetworkRule(null, null, null, null, null, null);
    }

    /** Flows to addresses in {@code network}, e.g. {@code toNetwork(IpPrefix.parse("10.0.0.0/8"), TCP)}. */
    public static NetworkRule toNetwork(IpPrefix network, TransportProtocol protocol) {
        return new NetworkRule(Optional.of(network), null, null, null, protocol, null);
    }

    /** Flows to hosts matching {@code pattern}: {@code example.com} or {@code *.example.com}. */
    public static NetworkRule toHost(String pattern, TransportProtocol protocol) {
        return new NetworkRule(null, Optional.of(pattern), null, null, protocol, null);
    }

    public NetworkRule withRemotePorts(PortRange ports) {
        return new NetworkRule(remoteNetwork, remoteHost, ports, localNetwork, protocol, direction);
    }

    public NetworkRule withLocalNetwork(IpPrefix network) {
        return new NetworkRule(remoteNetwork, remoteHost, remotePorts, Optional.of(network), protocol, direction);
    }

    public NetworkRule withDirection(Direction direction) {
        return new NetworkRule(remoteNetwork, remoteHost, remotePorts, localNetwork, protocol, Optional.of(direction));
    }

    /** Whether {@code flow} satisfies every condition of this rule. */
    public boolean matches(Flow flow) {
        if (!protocol.matches(flow.protocol())) return false;
        if (direction.isPresent() && direction.get() != flow.direction()) return false;
        if (!remotePorts.contains(flow.remote().port())) return false;
        if (remoteNetwork.isPresent() && !remoteNetwork.get().contains(flow.remote().address())) return false;
        if (localNetwork.isPresent() && !localNetwork.get().contains(flow.local().address())) return false;
        if (remoteHost.isPresent()) {
            Optional<HostnameInfo> name = flow.hostname();
            return name.isPresent() && DomainName.matchesPattern(name.get().hostname(), remoteHost.get());
        }
        return true;
    }
}
