package dev.netext.cli;

import dev.netext.daemon.profile.TunnelConfigImporter;

import java.util.Map;

/** Test access to the CLI's package-private provider registry. */
public final class ProvidersAccess {
    private ProvidersAccess() {}

    public static Map<String, TunnelConfigImporter> importers() { return Providers.CONFIG_IMPORTERS; }
}
