package dev.netext.daemon.profile;

import dev.netext.api.tunnel.TunnelNetworkSettings;

import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Reads a provider's own configuration file, named in a profile by {@code tunnel.config} (a wg-quick file for
 * {@code wireguard}), into what the profile would otherwise declare under {@code tunnel.settings}. Registered per
 * provider name with {@link ProfileLoader}; the daemon itself knows no provider's file format.
 */
@FunctionalInterface
public interface TunnelConfigImporter {

    /**
     * What the file declares.
     *
     * @param settings   addresses, routes, MTU, DNS
     * @param table      the routing table it asks for, if any
     * @param bypassMark the mark the provider's own sockets carry (exempt from the tunnel's routes), if it names one
     */
    record Imported(TunnelNetworkSettings settings, OptionalInt table, OptionalInt bypassMark) {}

    /**
     * Reads {@code file}. Throws {@link IllegalArgumentException} whose message lists every problem, one per line,
     * as {@code file:line: key: reason}.
     */
    Imported load(Path file);
}
