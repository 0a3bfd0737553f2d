package dev.netext.daemon.profile;

import dev.netext.linux.nfqueue.SteeringMatch;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A profile's {@code packet-filter:} section.
 *
 * <pre>
 * packet-filter:
 *   provider: com.example.MyPacketProvider   # or built-in 'rules'
 *   queue: 7
 *   match: [{ direction: out, protocol: udp, port: 9999 }]
 *   on-failure: open                         # or closed
 *   options: { … }                           # handed to startFilter
 * </pre>
 *
 * @param provider the provider reference as written
 * @param queue    the netfilter queue number
 * @param match    which packets reach the provider
 * @param failOpen {@code on-failure: open} (default) or {@code closed}
 * @param options  free-form provider options (deeply unmodifiable)
 */
public record PacketFilterSection(String provider, int queue, List<SteeringMatch> match, boolean failOpen,
                                  Map<String, Object> options) {
    public PacketFilterSection {
        Objects.requireNonNull(provider, "provider");
        match = List.copyOf(match);
        options = options == null ? Map.of() : TunnelSection.frozenMap(options);
    }
}
