package dev.netext.cli;

import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.daemon.profile.TunnelConfigImporter;
import dev.netext.tunnel.builtin.BuiltinProviders;
import dev.netext.wireguard.config.WgQuickConfig;
import dev.netext.wireguard.config.WgQuickException;
import dev.netext.wireguard.config.WgQuickParser;
import dev.netext.wireguard.tunnel.WireGuardProvider;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * The providers this build of netext ships, by the name profiles use: the tunnel module's built-ins plus
 * {@code wireguard} (which the tunnel module cannot name: netext-wireguard depends on it), and the readers of
 * provider config files ({@code tunnel.config}).
 */
public final class Providers {
    private Providers() {}

    public static final Map<String, Supplier<PacketTunnelProvider>> TUNNEL;

    static {
        Map<String, Supplier<PacketTunnelProvider>> m = new HashMap<>(BuiltinProviders.TUNNEL);
        m.put(WireGuardProvider.NAME, WireGuardProvider::new);
        TUNNEL = Map.copyOf(m);
    }

    public static final Map<String, TunnelConfigImporter> CONFIG_IMPORTERS = Map.of(WireGuardProvider.NAME, Providers::importWgQuick);

    /** A wg-quick file as a profile's tunnel settings, table and bypass mark. */
    static TunnelConfigImporter.Imported importWgQuick(Path file) {
        try {
            return imported(WgQuickParser.parse(file));
        } catch (WgQuickException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    static TunnelConfigImporter.Imported imported(WgQuickConfig c) {
        int mark = c.iface().fwmark();
        return new TunnelConfigImporter.Imported(c.settings(), c.iface().table().explicit(),
                mark == 0 ? OptionalInt.empty() : OptionalInt.of(mark));
    }
}
