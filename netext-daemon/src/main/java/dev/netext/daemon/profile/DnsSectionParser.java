package dev.netext.daemon.profile;

import dev.netext.api.dns.DnsDecision;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.net.IpPrefix;
import dev.netext.dns.split.SplitRule;
import dev.netext.dns.upstream.ServerSpec;
import dev.netext.dns.upstream.UpstreamFactory;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The top-level {@code dns:} section:
 * <pre>
 * dns:
 *   listen: [127.0.0.1:53, "[::1]:53"]
 *   intercept: false
 *   servers:
 *     corp:   10.0.0.53                 # or a list: failover in order
 *     public: udp://192.0.2.1:53
 *     system: system
 *   rules:
 *     - { domains: [foo.mycompany.com], server: corp }
 *     - { domains: [ads.test], action: block }          # block (NXDOMAIN) | refused | sinkhole + addresses
 *     - { list: ads, action: block }                    # a list under lists: (sinkhole: 0.0.0.0 and :: unless addresses)
 *   default: system
 *   cache: { entries: 100000, serve-stale: false }
 *   allow: [192.0.2.0/24]      # clients besides loopback and this host's addresses
 *   rate-limit: 1000           # per non-loopback client, queries/s
 *   trust-ad: [corp]           # groups whose AD bit is passed on
 *   tls-ca: /etc/netext/corp-ca.pem   # CA certificates for tls:// and https:// servers, besides the JDK's trust store
 * </pre>
 * {@code system} is always a known group (the resolvers of resolv.conf) unless the profile defines it otherwise.
 */
final class DnsSectionParser implements SectionParser<DnsSection> {
    static final List<String> KEYS = List.of("listen", "intercept", "servers", "rules", "default", "cache", "allow", "rate-limit", "trust-ad", "tls-ca");
    static final List<String> RULE_KEYS = List.of("domains", "list", "server", "action", "addresses", "ttl");
    static final List<String> CACHE_KEYS = List.of("entries", "serve-stale");
    static final String SYSTEM = "system";

    private final ListsSectionParser lists;

    /** @param lists the profile's declared lists, checked before this section */
    DnsSectionParser(ListsSectionParser lists) {
        this.lists = lists;
    }

    DnsSectionParser() {
        this(new ListsSectionParser());
    }

    @Override public String key() { return "dns"; }

    @Override
    public DnsSection parse(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, KEYS);
        if (f == null) return null;

        List<Endpoint> listen = new ArrayList<>();
        YamlNode ln = f.get("listen");
        List<YamlNode> items = ln instanceof YamlNode.Scalar ? List.of(ln) : checks.list(ln, f.path("listen"));
        if (items != null) {
            for (int i = 0; i < items.size(); i++) {
                String p = f.path("listen") + "[" + i + "]";
                String t = checks.string(items.get(i), p);
                if (t == null) continue;
                try {
                    if (ServerSpec.parse(t) instanceof ServerSpec.Plain plain) listen.add(plain.address());
                    else checks.error(items.get(i), p, "'" + t + "': expected ADDRESS[:PORT]");
                } catch (IllegalArgumentException e) {
                    checks.error(items.get(i), p, e.getMessage());
                }
            }
        }
        if (listen.isEmpty() && ln == null) listen.addAll(DnsSection.DEFAULT_LISTEN);

        boolean intercept = false;
        if (f.get("intercept") != null) {
            Boolean b = checks.bool(f.get("intercept"), f.path("intercept"));
            intercept = Boolean.TRUE.equals(b);
            if (intercept && listen.stream().noneMatch(e -> e.address() instanceof Inet4Address
                    && (e.address().isLoopbackAddress() || e.address().isAnyLocalAddress())))
                checks.error(f.get("intercept"), f.path("intercept"), "intercepting needs a listener on 127.0.0.1 or 0.0.0.0 "
                        + "(redirected queries arrive on loopback); add one to dns.listen");
        }

        Map<String, List<ServerSpec>> servers = new LinkedHashMap<>();
        Checks.Fields sf = f.get("servers") == null ? null : checks.fields(f.get("servers"), f.path("servers"), anyKeys(f.get("servers")));
        if (sf != null) {
            for (String name : sf.keys()) {
                String p = sf.path(name);
                YamlNode v = sf.require(name, "give an address, a URL, 'system' or a list of them");
                if (v == null) continue;
                List<YamlNode> specs = v instanceof YamlNode.ListNode l ? l.items() : List.of(v);
                if (specs.isEmpty()) { checks.error(v, p, "an empty list; give at least one server"); continue; }
                List<ServerSpec> parsed = new ArrayList<>();
                for (int i = 0; i < specs.size(); i++) {
                    String ip = v instanceof YamlNode.ListNode ? p + "[" + i + "]" : p;
                    String t = checks.string(specs.get(i), ip);
                    if (t == null) continue;
                    try {
                        ServerSpec s = ServerSpec.parse(t);
                        String why = UpstreamFactory.unsupportedReason(s);
                        if (why != null) checks.error(specs.get(i), ip, "'" + t + "': " + why);
                        else parsed.add(s);
                    } catch (IllegalArgumentException e) {
                        checks.error(specs.get(i), ip, e.getMessage());
                    }
                }
                servers.put(name, parsed);
            }
        }
        Set<String> groups = new HashSet<>(servers.keySet());
        groups.add(SYSTEM);

        String defaultGroup = SYSTEM;
        if (f.get("default") != null) {
            String d = checks.string(f.get("default"), f.path("default"));
            if (d != null) {
                d = d.strip();
                if (!groups.contains(d)) checks.error(f.get("default"), f.path("default"), "'" + d + "' is not a server group"
                        + Suggest.hint(d, groups) + " (declared: " + String.join(", ", servers.keySet()) + ", and system)");
                else defaultGroup = d;
            }
        }

        List<SplitRule> rules = new ArrayList<>();
        List<DnsListRule> listRules = new ArrayList<>();
        List<YamlNode> ruleNodes = checks.list(f.get("rules"), f.path("rules"));
        if (ruleNodes != null) {
            for (int i = 0; i < ruleNodes.size(); i++) {
                String rp = f.path("rules") + "[" + i + "]";
                if (ruleNodes.get(i) instanceof YamlNode.MapNode m && m.entries().containsKey("list")) {
                    DnsListRule lr = listRule(ruleNodes.get(i), rp, checks);
                    if (lr != null) listRules.add(lr);
                } else {
                    rules.addAll(rule(ruleNodes.get(i), rp, groups, checks));
                }
            }
        }

        int entries = DnsSection.DEFAULT_CACHE_ENTRIES;
        boolean stale = false;
        if (f.get("cache") != null) {
            Checks.Fields cf = checks.fields(f.get("cache"), f.path("cache"), CACHE_KEYS);
            if (cf != null) {
                Long e = cf.get("entries") == null ? null : checks.integer(cf.get("entries"), cf.path("entries"), "entries", 0, 10_000_000);
                if (e != null) entries = e.intValue();
                Boolean s = cf.get("serve-stale") == null ? null : checks.bool(cf.get("serve-stale"), cf.path("serve-stale"));
                if (s != null) stale = s;
            }
        }
        List<IpPrefix> allow = new ArrayList<>();
        if (f.get("allow") != null) {
            List<IpPrefix> p = Addresses.prefixes(f.get("allow"), f.path("allow"), checks, Addresses.Use.ROUTE);
            if (p != null) allow.addAll(p);
        }
        long rate = DnsSection.DEFAULT_RATE_LIMIT;
        if (f.get("rate-limit") != null) {
            Long r = checks.integer(f.get("rate-limit"), f.path("rate-limit"), "rate-limit", 0, 10_000_000);
            if (r != null) rate = r;
        }
        Set<String> trusted = new HashSet<>();
        if (f.get("trust-ad") != null) {
            List<String> t = checks.strings(f.get("trust-ad"), f.path("trust-ad"));
            if (t != null) for (String g : t) {
                if (!groups.contains(g)) checks.error(f.get("trust-ad"), f.path("trust-ad"), "'" + g + "' is not a server group");
                else trusted.add(g);
            }
        }
        Path tlsCa = null;
        if (f.get("tls-ca") != null) {
            String t = checks.string(f.get("tls-ca"), f.path("tls-ca"));
            if (t != null) {
                Path file = Path.of(t.strip());
                if (!Files.isReadable(file))
                    checks.error(f.get("tls-ca"), f.path("tls-ca"), "'" + t + "': no readable file (a PEM file of CA certificates)");
                else tlsCa = file;
            }
        }
        if (checks.errorCount() > before) return null;
        return new DnsSection(listen, intercept, servers, rules, defaultGroup, entries, stale, allow, rate, trusted, tlsCa, listRules);
    }

    private static List<String> anyKeys(YamlNode n) {
        return n instanceof YamlNode.MapNode m ? List.copyOf(m.entries().keySet()) : List.of();
    }

    /** {@code { list: NAME, action: block|refused|sinkhole [, addresses: […]] }}: blocks only, never a server. */
    private DnsListRule listRule(YamlNode n, String p, Checks checks) {
        Checks.Fields rf = checks.fields(n, p, RULE_KEYS);
        if (rf == null) return null;
        int before = checks.errorCount();
        for (String k : List.of("domains", "server", "ttl"))
            if (rf.get(k) != null) checks.error(rf.get(k), rf.path(k), "a list rule blocks the names its list holds; '" + k
                    + "' belongs to a domains rule" + (k.equals("server") ? " (route a name around the list with its own domains rule)" : ""));
        String name = checks.string(rf.get("list"), rf.path("list"));
        Path file = name == null ? null : lists.file(name.strip(), rf.get("list"), rf.path("list"), checks);
        YamlNode an = rf.require("action", "write block, refused or sinkhole");
        String a = an == null ? null : checks.string(an, rf.path("action"));
        DnsDecision decision = a == null ? null : blockDecision(rf, a, () -> rf.get("addresses") == null
                ? List.of("0.0.0.0", "::") : checks.strings(rf.get("addresses"), rf.path("addresses")), checks);
        if (checks.errorCount() > before || file == null || decision == null) return null;
        return new DnsListRule(name.strip(), file, decision);
    }

    /**
     * A rule's {@code action} (block, refused or sinkhole; nxdomain is block's other name) as a decision; a sinkhole
     * answers with the addresses {@code addresses} reads (null when they were wrong). Null when reported.
     */
    private static DnsDecision blockDecision(Checks.Fields rf, String action, Supplier<List<String>> addresses, Checks checks) {
        return switch (action.strip()) {
            case "block", "nxdomain" -> DnsDecision.nxdomain();
            case "refused" -> DnsDecision.refused();
            case "sinkhole" -> {
                List<String> addrs = addresses.get();
                List<InetAddress> list = new ArrayList<>();
                if (addrs != null) for (String s : addrs) {
                    try {
                        list.add(IpPrefix.parseAddress(s));
                    } catch (IllegalArgumentException e) {
                        checks.error(rf.get("addresses"), rf.path("addresses"), e.getMessage());
                    }
                }
                yield list.isEmpty() ? null : DnsDecision.sinkhole(list.toArray(InetAddress[]::new));
            }
            default -> {
                checks.error(rf.get("action"), rf.path("action"), "'" + action + "': expected block, refused or sinkhole"
                        + Suggest.hint(action.strip(), List.of("block", "refused", "sinkhole")));
                yield null;
            }
        };
    }

    private static List<SplitRule> rule(YamlNode n, String p, Set<String> groups, Checks checks) {
        Checks.Fields rf = checks.fields(n, p, RULE_KEYS);
        if (rf == null) return List.of();
        int before = checks.errorCount();
        YamlNode dn = rf.require("domains", "list the domains the rule covers, e.g. [corp.example]");
        List<String> domains = new ArrayList<>();
        List<YamlNode> ds = dn instanceof YamlNode.Scalar ? List.of(dn) : checks.list(dn, rf.path("domains"));
        if (ds != null) for (int i = 0; i < ds.size(); i++) {
            String dp = rf.path("domains") + "[" + i + "]";
            String d = checks.string(ds.get(i), dp);
            if (d == null) continue;
            String problem = DnsSettingsParser.domainProblem(d);
            if (problem != null) checks.error(ds.get(i), dp, "'" + d + "' is not a domain name: " + problem);
            else domains.add(DnsSettingsParser.normalise(d));
        }
        boolean hasServer = rf.get("server") != null;
        boolean hasAction = rf.get("action") != null;
        DnsDecision decision = null;
        if (hasServer == hasAction) {
            checks.error(rf.line(), p, "a rule needs exactly one of 'server: GROUP' or 'action: block|refused|sinkhole'");
        } else if (hasServer) {
            String g = checks.string(rf.get("server"), rf.path("server"));
            if (g != null && !groups.contains(g.strip()))
                checks.error(rf.get("server"), rf.path("server"), "'" + g + "' is not a server group" + Suggest.hint(g.strip(), groups));
            else if (g != null) decision = DnsDecision.forward(g.strip());
        } else {
            String a = checks.string(rf.get("action"), rf.path("action"));
            if (a != null) decision = blockDecision(rf, a, () -> checks.strings(rf.require("addresses",
                    "a sinkhole answers with these addresses, e.g. [0.0.0.0, '::']"), rf.path("addresses")), checks);
        }
        if (checks.errorCount() > before || decision == null) return List.of();
        List<SplitRule> out = new ArrayList<>();
        for (String d : domains) out.add(new SplitRule(d, decision, "profile"));
        return out;
    }
}
