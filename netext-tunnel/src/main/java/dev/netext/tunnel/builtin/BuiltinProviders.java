package dev.netext.tunnel.builtin;

import dev.netext.api.tunnel.PacketTunnelProvider;

import java.util.Map;
import java.util.function.Supplier;

/** The tunnel providers netext ships, by the name a profile uses for them. */
public final class BuiltinProviders {
    private BuiltinProviders() {}

    public static final Map<String, Supplier<PacketTunnelProvider>> TUNNEL = Map.of(
            "echo", EchoProvider::new,
            "pong", PongProvider::new);
}
