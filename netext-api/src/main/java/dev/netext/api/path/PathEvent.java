package dev.netext.api.path;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;

import java.net.InetAddress;

/**
 * A change in the host's network path, from rtnetlink notifications: what {@code NWPathMonitor} reports to Network
 * Extension developers, with the detail a tunnel that cannot reach its backend needs.
 */
public sealed interface PathEvent {

    /**
     * The event for people ({@code link 5 (eth0) changed: up, running, mtu 1500}); the record's own
     * {@code toString} stays the field dump for debugging.
     */
    default String describe() {
        return switch (this) {
            case LinkChanged l -> link(l.index(), l.name()) + (l.removed() ? " removed"
                    : " changed: " + (l.up() ? "up" : "down") + (l.running() ? ", running" : ", no carrier") + ", mtu " + l.mtu());
            case AddressChanged a -> "address " + a.address() + (a.removed() ? " removed from " : " added to ") + link(a.linkIndex(), a.linkName());
            case DefaultRouteChanged r -> "IPv" + r.family().version() + " default route" + (r.gateway() == null ? "" : " via " + r.gateway().getHostAddress())
                    + " on " + link(r.linkIndex(), r.linkName()) + (r.removed() ? " removed" : "");
        };
    }

    private static String link(int index, String name) {
        return "link " + index + (name == null || name.isEmpty() ? "" : " (" + name + ")");
    }

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
