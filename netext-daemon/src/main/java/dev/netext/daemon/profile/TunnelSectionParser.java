package dev.netext.daemon.profile;

import dev.netext.api.tunnel.DnsSettings;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.daemon.plugin.ProviderResolutionException;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.tunnel.apps.AppRule;

import dev.netext.api.tunnel.TunnelNetworkSettings;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** The {@code tunnel:} section: provider, options, interface, settings or config, the kill switch's keys. */
final class TunnelSectionParser implements SectionParser<TunnelSection> {

    static final List<String> KEYS = List.of("provider", "options", "interface", "settings", "config",
            "include-all-networks", "exclude-local-networks", "enforce-routes", "apps");
    /** The option under which an imported config file's absolute path reaches the provider. */
    public static final String CONFIG_OPTION = "config";
    /** Linux IFNAMSIZ is 16 including the terminating NUL. */
    static final int MAX_INTERFACE_NAME = 15;

    private final ProviderResolver resolver;
    private final Map<String, TunnelConfigImporter> importers;
    private final NetworkSettingsParser settingsParser = new NetworkSettingsParser();

    /**
     * @param resolver  checks that the provider exists and is usable; null to check only its spelling
     * @param importers readers of {@code tunnel.config} files, by provider name
     */
    TunnelSectionParser(ProviderResolver resolver, Map<String, TunnelConfigImporter> importers) {
        this.resolver = resolver;
        this.importers = importers;
    }

    @Override public String key() { return "tunnel"; }

    @Override
    public TunnelSection parse(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, KEYS);
        if (f == null) return null;

        YamlNode providerNode = f.require("provider",
                "name a built-in provider" + (resolver == null ? "" : " (" + String.join(", ", resolver.builtInNames()) + ")")
                        + " or a Java class implementing PacketTunnelProvider");
        String provider = checks.string(providerNode, f.path("provider"));
        if (provider != null) {
            provider = provider.strip();
            String problem = ProviderResolver.syntaxProblem(provider);
            if (problem != null) {
                checks.error(providerNode, f.path("provider"), problem);
            } else if (resolver != null) {
                try {
                    resolver.resolve(provider, checks.file());
                } catch (ProviderResolutionException e) {
                    checks.error(providerNode, f.path("provider"), e.reason());
                }
            }
        }

        Map<String, Object> options = checks.mapping(f.get("options"), f.path("options"), "provider options");

        YamlNode ifNode = f.get("interface");
        String ifName = checks.string(ifNode, f.path("interface"));
        if (ifName != null) {
            String problem = interfaceNameProblem(ifName);
            if (problem != null) {
                checks.error(ifNode, f.path("interface"), "'" + ifName + "' " + problem);
                ifName = null;
            }
        }

        NetworkSettingsParser.Result settings = NetworkSettingsParser.Result.EMPTY;
        YamlNode settingsNode = f.get("settings");
        DnsSettings dnsBesideConfig = null;
        if (settingsNode != null && f.get("config") != null) {
            dnsBesideConfig = dnsBesideConfig(settingsNode, f.path("settings"), f.get("config"), checks);
        } else if (settingsNode != null) {
            settings = settingsParser.parse(settingsNode, f.path("settings"), checks);
        }

        OptionalInt bypassMark = OptionalInt.empty();
        YamlNode configNode = f.get("config");
        String config = checks.string(configNode, f.path("config"));
        if (config != null && provider != null) {
            TunnelConfigImporter importer = importers.get(provider);
            if (importer == null) {
                checks.error(configNode, f.path("config"), "provider '" + provider + "' reads no config file"
                        + (importers.isEmpty() ? "" : " (config files are for: " + String.join(", ", importers.keySet()) + ")"));
            } else if (options.containsKey(CONFIG_OPTION)) {
                checks.error(f.get("options"), f.path("options"), "'" + CONFIG_OPTION + "' is set by tunnel.config; remove it from the options");
            } else {
                Path base = checks.file().toAbsolutePath().getParent();
                Path file = base == null ? Path.of(config) : base.resolve(config);
                try {
                    TunnelConfigImporter.Imported imported = importer.load(file.normalize());
                    TunnelNetworkSettings fromFile = imported.settings();
                    if (dnsBesideConfig != null) fromFile = withDns(fromFile, dnsBesideConfig);
                    settings = new NetworkSettingsParser.Result(fromFile, imported.table());
                    bypassMark = imported.bypassMark();
                    Map<String, Object> withConfig = new LinkedHashMap<>(options);
                    withConfig.put(CONFIG_OPTION, file.normalize().toString());
                    options = withConfig;
                } catch (IllegalArgumentException e) {
                    checks.error(configNode, f.path("config"), e.getMessage());
                }
            }
        }

        KillSwitchSettings killSwitch = killSwitch(f, checks, settings == null ? null : settings.settings());
        List<AppRule> apps = List.of();
        if (f.get("apps") != null) {
            apps = AppRulesParser.parse(f.get("apps"), f.path("apps"), checks);
            AppRulesParser.checkBeside(f, checks, killSwitch, settings == null ? null : settings.settings());
        }

        if (checks.errorCount() > before || provider == null) return null;
        return new TunnelSection(provider, options, ifName, settings.settings(), settings.table(), bypassMark, killSwitch,
                apps);
    }

    /** {@code include-all-networks}, {@code exclude-local-networks}, {@code enforce-routes}: booleans, checked together. */
    /** {@code settings} null when they had errors of their own. */
    private static KillSwitchSettings killSwitch(Checks.Fields f, Checks checks, TunnelNetworkSettings settings) {
        Boolean all = checks.bool(f.get("include-all-networks"), f.path("include-all-networks"));
        Boolean local = checks.bool(f.get("exclude-local-networks"), f.path("exclude-local-networks"));
        Boolean enforce = checks.bool(f.get("enforce-routes"), f.path("enforce-routes"));
        if (Boolean.TRUE.equals(local) && !Boolean.TRUE.equals(all))
            checks.error(f.get("exclude-local-networks"), f.path("exclude-local-networks"),
                    "only takes effect with the kill switch; add 'include-all-networks: true' or remove it");
        if (Boolean.TRUE.equals(enforce) && settings != null) { // null: the settings' own errors are reported
            if (settings.includedRoutes().isEmpty())
                checks.error(f.get("enforce-routes"), f.path("enforce-routes"),
                        "the tunnel has no routes to enforce; add settings.routes (or AllowedIPs in the config file)");
            else if (settings.includedRoutes().stream().allMatch(r -> r.length() == 0))
                checks.error(f.get("enforce-routes"), f.path("enforce-routes"),
                        "the tunnel's only routes are default routes: enforcing them would cut the local networks off;"
                                + " use 'include-all-networks: true' (with 'exclude-local-networks: true') instead");
        }
        return new KillSwitchSettings(Boolean.TRUE.equals(all), Boolean.TRUE.equals(local), Boolean.TRUE.equals(enforce));
    }

    /**
     * {@code settings:} beside {@code config:}: the file gives the settings, but a wg-quick file cannot say match
     * domains, so {@code settings.dns} alone may replace the file's {@code DNS =}; any other key is refused.
     */
    private DnsSettings dnsBesideConfig(YamlNode node, String path, YamlNode configNode, Checks checks) {
        String file = configNode instanceof YamlNode.Scalar sc ? sc.text() : "the config file";
        if (node instanceof YamlNode.MapNode map) {
            boolean others = false;
            for (YamlNode.Entry e : map.entries().values()) {
                if (e.key().equals("dns")) continue;
                checks.error(e.keyLine(), path + "." + e.key(), "the settings come from " + file + "; beside config"
                        + " only settings.dns may be given (it replaces the file's DNS =)");
                others = true;
            }
            if (others) return null;
        }
        Checks.Fields f = checks.fields(node, path, List.of("dns"));
        if (f == null || f.get("dns") == null) return null;
        return new DnsSettingsParser().parse(f.get("dns"), f.path("dns"), checks);
    }

    private static TunnelNetworkSettings withDns(TunnelNetworkSettings s, DnsSettings dns) {
        return new TunnelNetworkSettings(s.addresses(), s.includedRoutes(), s.excludedRoutes(), s.mtu(), dns, s.proxy());
    }

    /** Why the kernel would refuse the name (net/core/dev.c dev_valid_name), or null. */
    static String interfaceNameProblem(String name) {
        if (name.length() > MAX_INTERFACE_NAME)
            return "is " + name.length() + " characters long; Linux allows at most " + MAX_INTERFACE_NAME;
        if (name.equals(".") || name.equals("..")) return "is not a valid interface name";
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/') return "contains '/', which interface names cannot";
            if (c == ':') return "contains ':', which interface names cannot";
            if (Character.isWhitespace(c)) return "contains whitespace, which interface names cannot";
            if (c == '%') return "contains '%'; name templates are not supported (leave 'interface' out to get the first free netextN)";
            if (c < 0x21 || c > 0x7e) return "contains '" + c + "'; use ASCII letters, digits, '-', '_' and '.'";
        }
        return null;
    }
}
