package dev.netext.daemon.profile;

import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.tunnel.apps.AppRule;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code tunnel.apps} ({@code NEAppRule}): a list of {@code { uid: N }} and {@code { cgroup: /path }} entries, each
 * naming processes whose traffic — and DNS — the tunnel carries; everything else keeps the normal routes. What the
 * host could not apply is refused here: {@code executable} (the kernel cannot tell a socket's program; its cgroup
 * can), and the keys whose meaning contradicts choosing apps.
 */
final class AppRulesParser {
    static final List<String> KEYS = List.of("uid", "cgroup", "executable");
    static final String EXECUTABLE_REFUSED = "cannot be applied: the kernel does not tell which program a socket"
            + " belongs to, and matching it later would let the first packets out untunnelled; run the program in a"
            + " cgroup of its own and name that cgroup ('cgroup: /path', as /proc/PID/cgroup shows it)";

    private AppRulesParser() {}

    /** The rules, or null when {@code node} had errors (reported). */
    static List<AppRule> parse(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        List<YamlNode> items = checks.list(node, path);
        if (items == null) return null;
        if (items.isEmpty()) checks.error(node, path, "is empty; list the apps ({ uid: 1001 }, { cgroup: /app.slice })"
                + " or remove it");
        List<AppRule> rules = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String at = path + "[" + i + "]";
            Checks.Fields f = checks.fields(items.get(i), at, KEYS);
            if (f == null) continue;
            if (!KEYS.containsAll(f.keys())) continue; // the unknown key is reported
            if (f.keys().size() != 1) {
                checks.error(f.line(), at, "give exactly one of uid, cgroup (got " + String.join(", ", f.keys()) + ")");
                continue;
            }
            if (f.has("uid")) {
                Long uid = checks.integer(f.get("uid"), f.path("uid"), "uid", 0, 0xffff_fffeL);
                if (uid != null) rules.add(new AppRule.Uid((int) (long) uid));
            } else if (f.has("cgroup")) {
                String cgroup = checks.string(f.get("cgroup"), f.path("cgroup"));
                if (cgroup == null) continue;
                try {
                    rules.add(new AppRule.Cgroup(cgroup.strip()));
                } catch (IllegalArgumentException e) {
                    checks.error(f.get("cgroup"), f.path("cgroup"), e.getMessage());
                }
            } else {
                checks.error(f.keyLine("executable"), f.path("executable"), EXECUTABLE_REFUSED);
            }
        }
        return checks.errorCount() > before ? null : List.copyOf(rules);
    }

    /** The other tunnel keys a per-app tunnel cannot honour, each refused with the reason. */
    static void checkBeside(Checks.Fields f, Checks checks, KillSwitchSettings killSwitch,
                            TunnelNetworkSettings settings) {
        String apps = f.path("apps");
        if (killSwitch.includeAllNetworks())
            checks.error(f.get("include-all-networks"), f.path("include-all-networks"), "cannot be combined with "
                    + apps + ": the kill switch keeps every app's traffic in the tunnel, apps sends only the listed"
                    + " ones into it; use one or the other");
        if (killSwitch.enforceRoutes())
            checks.error(f.get("enforce-routes"), f.path("enforce-routes"), "cannot be combined with " + apps
                    + ": a per-app tunnel's routes are in a table of their own, used by the listed apps only");
        if (settings != null && !settings.dns().matchDomains().isEmpty())
            checks.error(dnsLine(f), f.path("settings") + ".dns.match-domains", "cannot be applied with "
                    + apps + ": every name the apps look up goes to the tunnel's servers (their port 53 is"
                    + " redirected there); leave match-domains out");
    }

    /** The line of {@code settings.dns}, or of {@code settings} (the DNS came from a config file). */
    private static int dnsLine(Checks.Fields f) {
        if (f.get("settings") instanceof YamlNode.MapNode m && m.entries().get("dns") != null)
            return m.entries().get("dns").keyLine();
        return f.keyLine("settings");
    }
}
