package dev.netext.daemon.profile;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FilterDataProvider;
import dev.netext.daemon.plugin.ProviderResolutionException;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.api.filter.FilterVerdict;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.net.IpPrefix;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.linux.tproxy.InterceptionConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code filter:} section (see {@link FilterSection}). */
final class FilterSectionParser implements SectionParser<FilterSection> {
    static final List<String> KEYS = List.of("provider", "rules", "default", "inbound-default", "inbound", "prompt-timeout",
            "prompt-default", "drop", "scope", "udp", "gateway", "settings", "on-failure", "fast-path");
    /** Keys that only the built-in rules filter reads. */
    static final List<String> RULES_ONLY_KEYS = List.of("rules", "default", "inbound-default", "prompt-timeout", "prompt-default");
    /** An interface name as the kernel allows it (IFNAMSIZ 16 with the NUL) and nft can quote. */
    private static final Pattern INTERFACE = Pattern.compile("[A-Za-z0-9_.@:-]{1,15}");
    static final List<String> RULE_KEYS = List.of("direction", "host", "cidr", "port", "protocol", "process", "process-name",
            "uid", "cgroup", "list", "action");
    static final List<String> SCOPE_KEYS = List.of("uids", "gids", "cgroups", "exclude-uids");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,6})(ms|s|m)");

    private final ProviderResolver resolver;
    private final ListsSectionParser lists;

    /**
     * @param resolver checks that a custom provider exists and is usable; null to check only its spelling
     * @param lists    the profile's declared lists, checked before this section
     */
    FilterSectionParser(ProviderResolver resolver, ListsSectionParser lists) {
        this.resolver = resolver;
        this.lists = lists;
    }

    FilterSectionParser(ProviderResolver resolver) {
        this(resolver, new ListsSectionParser());
    }

    @Override public String key() { return "filter"; }

    @Override
    public FilterSection parse(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, KEYS);
        if (f == null) return null;
        String provider = FilterSection.RULES;
        if (f.get("provider") != null) {
            String p = checks.string(f.get("provider"), f.path("provider"));
            if (p != null) provider = p.strip();
            String problem = ProviderResolver.syntaxProblem(provider);
            if (problem != null) checks.error(f.get("provider"), f.path("provider"), problem);
            else if (!provider.equals(FilterSection.RULES)) {
                for (String k : RULES_ONLY_KEYS)
                    if (f.get(k) != null)
                        checks.error(f.get(k), f.path(k), "'" + k + "' belongs to the built-in rules filter; provider "
                                + provider + " reads its own settings (settings:)");
                if (resolver != null) {
                    try {
                        resolver.resolve(FilterDataProvider.class, provider, checks.file(), Set.of(FilterSection.RULES));
                    } catch (ProviderResolutionException e) {
                        checks.error(f.get("provider"), f.path("provider"), e.getMessage());
                    }
                }
            }
        }
        Map<String, Object> settings = Map.of();
        if (f.get("settings") != null && provider.equals(FilterSection.RULES))
            checks.error(f.get("settings"), f.path("settings"), "the rules filter takes no settings; settings are for a custom provider");
        else
            settings = checks.mapping(f.get("settings"), f.path("settings"), "provider settings");
        FinalVerdict onFailure = FinalVerdict.ALLOW;
        if (f.get("on-failure") != null) {
            RuleAction a = action(f.get("on-failure"), f.path("on-failure"), checks, false);
            onFailure = a == RuleAction.DROP ? FinalVerdict.DROP : FinalVerdict.ALLOW;
        }
        List<FlowRule> rules = new ArrayList<>();
        if (f.get("rules") != null) {
            List<YamlNode> items = checks.list(f.get("rules"), f.path("rules"));
            if (items != null)
                for (int i = 0; i < items.size(); i++) {
                    FlowRule r = rule(items.get(i), f.path("rules") + "[" + i + "]", checks);
                    if (r != null) rules.add(r);
                }
        }
        RuleAction def = f.get("default") == null ? RuleAction.ALLOW
                : action(f.get("default"), f.path("default"), checks, true);
        RuleAction inboundDefault = f.get("inbound-default") == null ? RuleAction.ALLOW
                : action(f.get("inbound-default"), f.path("inbound-default"), checks, true);
        // a custom provider sees inbound flows only when asked; the rules filter when its rules judge them
        Boolean inbound = f.get("inbound") == null ? null : checks.bool(f.get("inbound"), f.path("inbound"));
        if (inbound != null && provider.equals(FilterSection.RULES))
            checks.error(f.get("inbound"), f.path("inbound"), "the rules filter judges inbound flows when a rule says "
                    + "direction: in or inbound-default is set; inbound: is for a custom provider");
        Duration promptTimeout = Duration.ofSeconds(30);
        if (f.get("prompt-timeout") != null) promptTimeout = duration(f.get("prompt-timeout"), f.path("prompt-timeout"), checks);
        FinalVerdict promptDefault = FinalVerdict.DROP;
        if (f.get("prompt-default") != null) {
            RuleAction a = action(f.get("prompt-default"), f.path("prompt-default"), checks, false);
            promptDefault = a == RuleAction.ALLOW ? FinalVerdict.ALLOW : FinalVerdict.DROP;
        }
        DropMode drop = DropMode.RESET;
        if (f.get("drop") != null) {
            String v = checks.string(f.get("drop"), f.path("drop"));
            if (v != null) switch (v.strip().toLowerCase(Locale.ROOT)) {
                case "reset" -> drop = DropMode.RESET;
                case "silent" -> drop = DropMode.SILENT;
                default -> checks.error(f.get("drop"), f.path("drop"), "'" + v + "' is neither reset nor silent");
            }
        }
        InterceptionConfig.Scope scope = f.get("scope") == null ? InterceptionConfig.Scope.ALL
                : scope(f.get("scope"), f.path("scope"), checks);
        Boolean udp = f.get("udp") == null ? Boolean.TRUE : checks.bool(f.get("udp"), f.path("udp"));
        List<String> gateway = f.get("gateway") == null ? List.of() : checks.strings(f.get("gateway"), f.path("gateway"));
        if (gateway != null)
            for (int i = 0; i < gateway.size(); i++)
                if (!INTERFACE.matcher(gateway.get(i)).matches())
                    checks.error(f.get("gateway"), f.path("gateway") + "[" + i + "]",
                            "'" + gateway.get(i) + "' is not an interface name (1-15 of A-Z a-z 0-9 _ . @ : -)");
        Boolean fastPath = f.get("fast-path") == null ? Boolean.TRUE : checks.bool(f.get("fast-path"), f.path("fast-path"));
        if (checks.errorCount() > before || def == null || inboundDefault == null || promptTimeout == null
                || scope == null || udp == null || gateway == null || fastPath == null) return null;
        if (promptDefault == FinalVerdict.DROP && drop == DropMode.SILENT) promptDefault = FinalVerdict.DROP_SILENTLY;
        if (onFailure == FinalVerdict.DROP && drop == DropMode.SILENT) onFailure = FinalVerdict.DROP_SILENTLY;
        return new FilterSection(provider, rules, def, promptTimeout, promptDefault, drop, scope, udp, gateway, settings,
                onFailure, inboundDefault, Boolean.TRUE.equals(inbound), fastPath);
    }

    private static RuleAction action(YamlNode n, String path, Checks checks, boolean promptAllowed) {
        String v = checks.string(n, path);
        if (v == null) return null;
        switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "allow": return RuleAction.ALLOW;
            case "drop": return RuleAction.DROP;
            case "prompt":
                if (promptAllowed) return RuleAction.PROMPT;
            default:
                checks.error(n, path, "'" + v + "' is not " + (promptAllowed ? "allow, drop or prompt" : "allow or drop"));
                return null;
        }
    }

    static Duration duration(YamlNode n, String path, Checks checks) {
        String v = checks.string(n, path);
        if (v == null) return null;
        Matcher m = DURATION.matcher(v.strip());
        if (!m.matches()) {
            checks.error(n, path, "'" + v + "' is not a duration like 500ms, 30s or 2m");
            return null;
        }
        Duration d = Checks.duration(Long.parseLong(m.group(1)), m.group(2));
        if (d.isZero() || d.compareTo(FilterVerdict.Pause.MAX_TIMEOUT) > 0) {
            checks.error(n, path, "'" + v + "' is outside (0, 10m]");
            return null;
        }
        return d;
    }

    private FlowRule rule(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, RULE_KEYS);
        if (f == null) return null;
        RuleAction action = action(f.require("action", "write allow, drop or prompt"), f.path("action"), checks, true);
        FlowRule r = FlowRule.of(action == null ? RuleAction.ALLOW : action);
        try {
            if (f.get("direction") != null) {
                String d = checks.string(f.get("direction"), f.path("direction"));
                if (d != null) switch (d.strip().toLowerCase(Locale.ROOT)) {
                    case "in" -> r = r.withDirection(Direction.INBOUND);
                    case "out" -> r = r.withDirection(Direction.OUTBOUND);
                    default -> checks.error(f.get("direction"), f.path("direction"), "'" + d + "' is neither in nor out"
                            + " (in: connections other hosts open to local services; out, the default: connections this host opens)");
                }
            }
            if (f.get("host") != null) {
                String h = checks.string(f.get("host"), f.path("host"));
                if (h != null) r = r.withHost(h);
            }
            if (f.get("cidr") != null) {
                String c = checks.string(f.get("cidr"), f.path("cidr"));
                if (c != null) r = r.withCidr(IpPrefix.parse(c.contains("/") ? c.strip() : c.strip() + (c.contains(":") ? "/128" : "/32")));
            }
            if (f.get("port") != null) {
                String p = checks.string(f.get("port"), f.path("port"));
                if (p != null) r = r.withPort(PortRange.parse(p.strip()));
            }
            if (f.get("protocol") != null) {
                String p = checks.string(f.get("protocol"), f.path("protocol"));
                if (p != null) r = r.withProtocol(TransportProtocol.valueOf(p.strip().toUpperCase(Locale.ROOT)));
            }
            if (f.get("process") != null) {
                String p = checks.string(f.get("process"), f.path("process"));
                if (p != null) {
                    if (!p.startsWith("/")) throw new IllegalArgumentException("process must be an absolute path (use process-name for a name)");
                    r = r.withProcessPath(Path.of(p));
                }
            }
            if (f.get("process-name") != null) {
                String p = checks.string(f.get("process-name"), f.path("process-name"));
                if (p != null) r = r.withProcessName(p.strip());
            }
            if (f.get("uid") != null) {
                Long u = checks.integer(f.get("uid"), f.path("uid"), "uid", 0, 0xFFFF_FFFEL);
                if (u != null) r = r.withUid(u);
            }
            if (f.get("cgroup") != null) {
                String c = checks.string(f.get("cgroup"), f.path("cgroup"));
                if (c != null) r = r.withCgroup(c.strip());
            }
            if (f.get("list") != null) {
                String l = checks.string(f.get("list"), f.path("list"));
                Path file = l == null ? null : lists.file(l.strip(), f.get("list"), f.path("list"), checks);
                if (file != null) r = r.withList(new ProfileList(l.strip(), file));
            }
        } catch (IllegalArgumentException e) {
            checks.error(node, path, e.getMessage());
        }
        if (checks.errorCount() > before || action == null) return null;
        if (r.equals(FlowRule.of(action))) {
            checks.error(node, path, "matches every flow: give it host, cidr, port, protocol, process, process-name, uid, cgroup or list (or use default:)");
            return null;
        }
        return r;
    }

    private static InterceptionConfig.Scope scope(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, SCOPE_KEYS);
        if (f == null) return null;
        List<Long> uids = ids(f, "uids", checks), gids = ids(f, "gids", checks), ex = ids(f, "exclude-uids", checks);
        List<String> cgroups = f.get("cgroups") == null ? List.of() : checks.strings(f.get("cgroups"), f.path("cgroups"));
        if (checks.errorCount() > before || cgroups == null) return null;
        try {
            return new InterceptionConfig.Scope(uids, gids, cgroups, ex);
        } catch (IllegalArgumentException e) {
            checks.error(node, path, e.getMessage());
            return null;
        }
    }

    private static List<Long> ids(Checks.Fields f, String key, Checks checks) {
        if (f.get(key) == null) return List.of();
        List<Long> out = new ArrayList<>();
        List<YamlNode> items = checks.list(f.get(key), f.path(key));
        if (items == null) return List.of();
        for (int i = 0; i < items.size(); i++) {
            Long v = checks.integer(items.get(i), f.path(key) + "[" + i + "]", "id", 0, 0xFFFF_FFFEL);
            if (v != null) out.add(v);
        }
        return out;
    }
}
