package dev.netext.packetfilter.builtin;

import dev.netext.api.filter.FilterPacketProvider;

import java.util.Map;
import java.util.function.Supplier;

/** The packet filter providers netext ships, by the name a profile uses in {@code packet-filter.provider}. */
public final class BuiltinPacketProviders {
    private BuiltinPacketProviders() {}

    public static final Map<String, Supplier<FilterPacketProvider>> ALL = Map.of("rules", RulesPacketProvider::new);
}
