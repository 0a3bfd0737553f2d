package dev.netext.daemon.profile;

import dev.netext.api.net.DomainName;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.ondemand.EvaluationRule;
import dev.netext.api.ondemand.InterfaceType;
import dev.netext.api.ondemand.OnDemandMatch;
import dev.netext.api.ondemand.OnDemandRule;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code on-demand:} section: a list of rules, evaluated in order, first match wins ({@code NEOnDemandRule}).
 *
 * <pre>
 * on-demand:
 *   - action: disconnect            # connect | disconnect | evaluate-connection | ignore
 *     interface: "home*"            # conditions, all optional; every present one must hold
 *     interface-type: wifi          # wired | wifi | other
 *     dns-search-domains: [home.arpa]
 *     dns-servers: [192.168.1.0/24]
 *     probe-url: http://intranet.corp.example/ping
 *   - action: evaluate-connection   # connect when a DNS query for one of these names is seen
 *     domains:
 *       - { domains: [corp.example], action: connect-if-needed, probe-url: http://intranet.corp.example/ }
 *       - { domains: [public.corp.example], action: never-connect }
 * </pre>
 */
final class OnDemandSectionParser implements SectionParser<List<OnDemandRule>> {
    static final List<String> RULE_KEYS = List.of("action", "interface", "interface-type", "dns-search-domains",
            "dns-servers", "probe-url", "domains");
    static final List<String> ACTIONS = List.of("connect", "disconnect", "evaluate-connection", "ignore");
    static final List<String> EVALUATION_KEYS = List.of("domains", "action", "probe-url");
    static final List<String> EVALUATION_ACTIONS = List.of("connect-if-needed", "never-connect");

    @Override public String key() { return "on-demand"; }

    @Override
    public List<OnDemandRule> parse(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        List<YamlNode> items = checks.list(node, path);
        if (items == null) return null;
        List<OnDemandRule> rules = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            OnDemandRule r = rule(items.get(i), path + "[" + i + "]", checks);
            if (r != null) rules.add(r);
        }
        return checks.errorCount() > before ? null : List.copyOf(rules);
    }

    private OnDemandRule rule(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, RULE_KEYS);
        if (f == null) return null;
        String action = oneOf(f.require("action", "one of " + String.join(", ", ACTIONS)), f.path("action"), ACTIONS, checks);

        Optional<String> ifName = Optional.empty();
        String name = checks.string(f.get("interface"), f.path("interface"));
        if (name != null) {
            name = name.strip();
            int star = name.indexOf('*');
            if (star >= 0 && star != name.length() - 1) checks.error(f.get("interface"), f.path("interface"),
                    "'" + name + "': '*' is allowed only at the end (a prefix match, like wlan*)");
            else if (name.length() > TunnelSectionParser.MAX_INTERFACE_NAME + (star >= 0 ? 1 : 0))
                checks.error(f.get("interface"), f.path("interface"), "'" + name + "' is longer than an interface name can be");
            else ifName = Optional.of(name);
        }
        Optional<InterfaceType> type = Optional.empty();
        String t = oneOf(f.get("interface-type"), f.path("interface-type"), List.of("wired", "wifi", "other"), checks);
        if (t != null) type = Optional.of(InterfaceType.valueOf(t.toUpperCase(Locale.ROOT)));

        List<String> searchDomains = List.of();
        if (f.get("dns-search-domains") != null) {
            List<String> l = checks.strings(f.get("dns-search-domains"), f.path("dns-search-domains"));
            if (l != null) searchDomains = domains(l, f.get("dns-search-domains"), f.path("dns-search-domains"), checks, true);
        }
        List<IpPrefix> servers = List.of();
        if (f.get("dns-servers") != null) {
            List<IpPrefix> l = Addresses.prefixes(f.get("dns-servers"), f.path("dns-servers"), checks, Addresses.Use.ROUTE);
            if (l != null) servers = l;
        }
        Optional<URI> probe = probeUrl(f.get("probe-url"), f.path("probe-url"), checks);

        List<EvaluationRule> evaluation = List.of();
        if ("evaluate-connection".equals(action)) {
            YamlNode d = f.require("domains", "list the domain rules: - { domains: [corp.example], action: connect-if-needed }");
            if (d != null) evaluation = evaluationRules(d, f.path("domains"), checks);
        } else if (f.get("domains") != null && action != null) {
            checks.error(f.keyLine("domains"), f.path("domains"), "applies only to action evaluate-connection");
        }
        if (checks.errorCount() > before || action == null) return null;
        if (evaluation.isEmpty() && "evaluate-connection".equals(action)) {
            checks.error(f.keyLine("domains"), f.path("domains"), "needs at least one domain rule");
            return null;
        }
        OnDemandMatch match = new OnDemandMatch(ifName, type, searchDomains, servers, probe);
        return switch (action) {
            case "connect" -> new OnDemandRule.Connect(match);
            case "disconnect" -> new OnDemandRule.Disconnect(match);
            case "ignore" -> new OnDemandRule.Ignore(match);
            default -> new OnDemandRule.EvaluateConnection(match, evaluation);
        };
    }

    private List<EvaluationRule> evaluationRules(YamlNode node, String path, Checks checks) {
        List<YamlNode> items = checks.list(node, path);
        if (items == null) return List.of();
        List<EvaluationRule> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String p = path + "[" + i + "]";
            int before = checks.errorCount();
            Checks.Fields f = checks.fields(items.get(i), p, EVALUATION_KEYS);
            if (f == null) continue;
            YamlNode dn = f.require("domains", "the names this rule covers, each with everything under it");
            List<String> domains = dn == null ? null : checks.strings(dn, f.path("domains"));
            if (domains != null) {
                domains = domains(domains, dn, f.path("domains"), checks, false);
                if (domains.isEmpty() && checks.errorCount() == before) checks.error(dn, f.path("domains"), "is empty");
            }
            String action = oneOf(f.require("action", "connect-if-needed or never-connect"), f.path("action"),
                    EVALUATION_ACTIONS, checks);
            Optional<URI> probe = probeUrl(f.get("probe-url"), f.path("probe-url"), checks);
            if (probe.isPresent() && "never-connect".equals(action))
                checks.error(f.keyLine("probe-url"), f.path("probe-url"), "applies only to connect-if-needed");
            if (checks.errorCount() > before || domains == null || action == null) continue;
            out.add(new EvaluationRule(domains, action.equals("connect-if-needed")
                    ? EvaluationRule.Action.CONNECT_IF_NEEDED : EvaluationRule.Action.NEVER_CONNECT, List.of(), probe));
        }
        return out;
    }

    private static List<String> domains(List<String> names, YamlNode node, String path, Checks checks, boolean patterns) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            try {
                out.add(patterns ? DomainName.normalizePattern(n)
                        : DomainName.normalize(n));
            } catch (IllegalArgumentException e) {
                checks.error(node, path, "'" + n + "': " + e.getMessage());
            }
        }
        return out;
    }

    private static Optional<URI> probeUrl(YamlNode node, String path, Checks checks) {
        String text = checks.string(node, path);
        if (text == null) return Optional.empty();
        try {
            URI u = new URI(text.strip());
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                checks.error(node, path, "'" + text + "' is not an http:// or https:// URL");
                return Optional.empty();
            }
            return Optional.of(u);
        } catch (URISyntaxException e) {
            checks.error(node, path, "'" + text + "' is not a URL: " + e.getReason());
            return Optional.empty();
        }
    }

    private static String oneOf(YamlNode node, String path, List<String> allowed, Checks checks) {
        String s = checks.string(node, path);
        if (s == null) return null;
        s = s.strip().toLowerCase(Locale.ROOT);
        if (allowed.contains(s)) return s;
        checks.error(node, path, "'" + s + "' is not one of " + String.join(", ", allowed) + Suggest.hint(s, allowed));
        return null;
    }
}
