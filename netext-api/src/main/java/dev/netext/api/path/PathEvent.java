package dev.netext.api.path;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;

import java.net.InetAddress;

/**
 * A change in the host's network path, from rtnetlink notifications: what {@code NWPathMonitor} reports to Network
 * Extension developers, with the detail a tunnel that cannot reach its backend needs.
 */
public sealed interface PathEvent {

    /** A link appeared, changed (up/down, carrier, MTU) or disappeared. */
    record LinkChanged(int index, String name, boolean up, boolean running, int mtu, boolean removed) implements PathEvent {}

    /** An address was added to or removed from a link. */
    record AddressChanged(int linkIndex, String linkName, IpPrefix address, boolean removed) implements PathEvent {}

    /**
     * The default route of a family (main table) changed. {@code gateway} may be null (on-link default);
     * {@code removed} means there is no longer one through this link.
     */
    record DefaultRouteChanged(IpFamily family, InetAddress gateway, int linkIndex, String linkName, boolean removed)
            implements PathEvent {}
}
