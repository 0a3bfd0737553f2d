package dev.netext.daemon.profile;

import dev.netext.daemon.plugin.ProviderResolutionException;
import dev.netext.daemon.plugin.ProviderResolver;

import java.util.List;
import java.util.Map;

/** The {@code tunnel:} section: provider, options, interface, settings. */
final class TunnelSectionParser implements SectionParser<TunnelSection> {

    static final List<String> KEYS = List.of("provider", "options", "interface", "settings");
    /** Linux IFNAMSIZ is 16 including the terminating NUL. */
    static final int MAX_INTERFACE_NAME = 15;

    private final ProviderResolver resolver;
    private final NetworkSettingsParser settingsParser = new NetworkSettingsParser();

    /** @param resolver checks that the provider exists and is usable; null to check only its spelling */
    TunnelSectionParser(ProviderResolver resolver) {
        this.resolver = resolver;
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

        Map<String, Object> options = Map.of();
        YamlNode optionsNode = f.get("options");
        if (optionsNode != null) {
            if (optionsNode instanceof YamlNode.MapNode) {
                @SuppressWarnings("unchecked") Map<String, Object> o = (Map<String, Object>) optionsNode.toJava();
                options = o;
            } else if (!(optionsNode instanceof YamlNode.Scalar sc && sc.kind() == YamlNode.Kind.INVALID)) {
                checks.error(optionsNode, f.path("options"), "expected a mapping of provider options; got " + optionsNode.describe());
            }
        }

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
        if (f.get("settings") != null) settings = settingsParser.parse(f.get("settings"), f.path("settings"), checks);

        if (checks.errorCount() > before || provider == null) return null;
        return new TunnelSection(provider, options, ifName, settings.settings(), settings.table());
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
