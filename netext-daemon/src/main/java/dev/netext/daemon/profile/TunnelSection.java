package dev.netext.daemon.profile;

import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.tunnel.apps.AppRule;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A profile's {@code tunnel:} section.
 *
 * @param provider      the provider reference as written: a built-in name ({@code echo}) or a class name
 * @param options       free-form provider options, handed to {@code startTunnel} (deeply unmodifiable; may hold nulls)
 * @param interfaceName the TUN device name asked for, or {@code null} for the first free {@code netextN}
 * @param settings      the network settings the profile declares
 * @param table         routing table for full-tunnel routes, if the profile names one
 * @param bypassMark    the SO_MARK exempt from the tunnel's routes, if the provider's config file names one
 *                      (wg-quick's {@code FwMark}); otherwise the host derives one
 * @param killSwitch    {@code include-all-networks}, {@code exclude-local-networks}, {@code enforce-routes}
 * @param apps          {@code apps}: the only processes the tunnel carries (empty: all of them)
 */
public record TunnelSection(String provider, Map<String, Object> options, String interfaceName,
                            TunnelNetworkSettings settings, OptionalInt table, OptionalInt bypassMark,
                            KillSwitchSettings killSwitch, List<AppRule> apps) {

    public TunnelSection {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(settings, "settings");
        options = options == null ? Map.of() : frozenMap(options);
        table = table == null ? OptionalInt.empty() : table;
        bypassMark = bypassMark == null ? OptionalInt.empty() : bypassMark;
        killSwitch = killSwitch == null ? KillSwitchSettings.NONE : killSwitch;
        apps = apps == null ? List.of() : List.copyOf(apps);
    }

    public TunnelSection(String provider, Map<String, Object> options, String interfaceName,
                         TunnelNetworkSettings settings, OptionalInt table, OptionalInt bypassMark,
                         KillSwitchSettings killSwitch) {
        this(provider, options, interfaceName, settings, table, bypassMark, killSwitch, List.of());
    }

    public TunnelSection(String provider, Map<String, Object> options, String interfaceName,
                         TunnelNetworkSettings settings, OptionalInt table, OptionalInt bypassMark) {
        this(provider, options, interfaceName, settings, table, bypassMark, KillSwitchSettings.NONE);
    }

    public TunnelSection(String provider, Map<String, Object> options, String interfaceName,
                         TunnelNetworkSettings settings, OptionalInt table) {
        this(provider, options, interfaceName, settings, table, OptionalInt.empty(), KillSwitchSettings.NONE);
    }

    /** A deep, unmodifiable copy of a JSON-like map (maps, lists, scalars; null values allowed). */
    static Map<String, Object> frozenMap(Map<String, ?> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(k, frozen(v)));
        return Collections.unmodifiableMap(copy);
    }

    @SuppressWarnings("unchecked")
    private static Object frozen(Object value) {
        if (value instanceof Map<?, ?> m) return frozenMap((Map<String, ?>) m);
        if (value instanceof List<?> l) {
            List<Object> copy = new ArrayList<>(l.size());
            for (Object o : l) copy.add(frozen(o));
            return Collections.unmodifiableList(copy);
        }
        return value;
    }
}
