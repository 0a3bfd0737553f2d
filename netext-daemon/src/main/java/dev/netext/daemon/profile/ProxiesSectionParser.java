package dev.netext.daemon.profile;

import dev.netext.api.ProviderKind;
import dev.netext.api.flow.AppRule;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.flow.NetworkRule;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.net.DomainName;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.proxy.ProxyChain;
import dev.netext.api.proxy.ProxyProvider;
import dev.netext.api.proxy.ProxyRules;
import dev.netext.daemon.plugin.ProviderResolutionException;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.flow.proxy.FlowProxy;
import dev.netext.flow.proxy.ProxyServer;
import dev.netext.flow.proxy.Socks5Credentials;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/** The {@code proxies:} section (see {@link ProxiesSection}). */
final class ProxiesSectionParser implements SectionParser<ProxiesSection> {
    private final ProviderResolver resolver;

    /** @param resolver checks that a custom proxy class exists and is usable; null to check only its spelling */
    ProxiesSectionParser(ProviderResolver resolver) {
        this.resolver = resolver;
    }

    ProxiesSectionParser() {
        this(null);
    }

    static final List<String> KEYS = List.of("name", "order", "type", "server", "username", "password", "include",
            "exclude", "apps", "settings");
    static final List<String> NETWORK_RULE_KEYS = List.of("host", "cidr", "port", "protocol");
    static final List<String> APP_RULE_KEYS = List.of("uid", "gid", "cgroup", "executable");
    static final List<String> TYPES = List.of("socks5", "http");

    @Override public String key() { return "proxies"; }

    @Override
    public ProxiesSection parse(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        List<YamlNode> items = checks.list(node, path);
        if (items == null) return null;
        List<FlowProxy.Upstream> proxies = new ArrayList<>();
        List<ProxiesSection.Custom> custom = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            String p = path + "[" + i + "]";
            Object proxy = proxy(items.get(i), p, checks);
            if (proxy == null) continue;
            String name = proxy instanceof FlowProxy.Upstream u ? u.member().provider()
                    : ((ProxiesSection.Custom) proxy).member().provider();
            Integer first = names.putIfAbsent(name, i);
            if (first != null)
                checks.error(items.get(i), p + ".name", "'" + name + "' is already the name of " + path + "[" + first + "]");
            else if (proxy instanceof FlowProxy.Upstream u) proxies.add(u);
            else custom.add((ProxiesSection.Custom) proxy);
        }
        return checks.errorCount() > before ? null : new ProxiesSection(proxies, custom);
    }

    /** A built-in {@link FlowProxy.Upstream}, a {@link ProxiesSection.Custom}, or null when reported. */
    private Object proxy(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, KEYS);
        if (f == null) return null;
        String name = checks.string(f.require("name", "give each proxy a name, e.g. name: corp"), f.path("name"));
        if (name != null) {
            name = name.strip();
            String problem = ProfileLoader.nameProblem(name);
            if (problem != null) checks.error(f.get("name"), f.path("name"), "'" + name + "' " + problem);
        }
        long order = 0;
        if (f.get("order") != null) {
            Long o = checks.integer(f.get("order"), f.path("order"), "order", -1_000_000, 1_000_000);
            if (o != null) order = o;
        }
        String type = checks.string(f.require("type", "write socks5, http or a proxy class (com.example.MyProxy)"), f.path("type"));
        if (type != null && type.strip().contains(".")) return custom(f, name, order, type.strip(), checks, before);
        if (type != null) {
            type = type.strip().toLowerCase(Locale.ROOT);
            if (!TYPES.contains(type)) {
                checks.error(f.get("type"), f.path("type"), "'" + type + "' is not socks5 or http (or a proxy class: "
                        + "com.example.MyProxy)" + Suggest.hint(type, TYPES));
                type = null;
            }
        }
        if (f.get("settings") != null)
            checks.error(f.get("settings"), f.path("settings"), "settings are for a custom proxy class; "
                    + (type == null ? "this proxy" : type) + " takes server (and username/password for socks5)");
        Endpoint server = null;
        String s = checks.string(f.require("server", "write the proxy's ADDRESS:PORT, e.g. \"10.0.0.10:1080\""), f.path("server"));
        if (s != null) {
            try {
                server = Endpoint.parse(s);
                if (server.port() == 0) throw new IllegalArgumentException("port 0");
            } catch (IllegalArgumentException e) {
                checks.error(f.get("server"), f.path("server"), "'" + s + "' is not ADDRESS:PORT (" + e.getMessage() + ")");
                server = null;
            }
        }
        Optional<Socks5Credentials> credentials = credentials(f, type, checks);
        ProxyChain.Member member = member(f, name, order, checks);
        if (checks.errorCount() > before || member == null || type == null || server == null || credentials == null) return null;
        ProxyServer ps = type.equals("socks5") ? new ProxyServer.Socks5(server, credentials) : new ProxyServer.HttpConnect(server);
        return new FlowProxy.Upstream(member, ps);
    }

    /** A proxy class: its rules as for the built-ins, its settings; no server or credentials (the class has its own). */
    private ProxiesSection.Custom custom(Checks.Fields f, String name, long order, String type, Checks checks, int before) {
        String problem = ProviderResolver.syntaxProblem(type);
        if (problem != null) {
            checks.error(f.get("type"), f.path("type"), problem);
        } else if (resolver != null) {
            try {
                resolver.resolve(ProxyProvider.class, type, checks.file(), Set.copyOf(TYPES));
            } catch (ProviderResolutionException e) {
                checks.error(f.get("type"), f.path("type"), e.getMessage());
            }
        }
        for (String k : List.of("server", "username", "password"))
            if (f.get(k) != null)
                checks.error(f.get(k), f.path(k), "'" + k + "' belongs to the built-in socks5/http proxies; " + type
                        + " reads its own settings (settings:)");
        Map<String, Object> settings = checks.mapping(f.get("settings"), f.path("settings"), "proxy settings");
        ProxyChain.Member member = member(f, name, order, checks);
        if (checks.errorCount() > before || member == null) return null;
        return new ProxiesSection.Custom(member, type, settings);
    }

    /** username and password come together, for socks5 only. Null when reported. */
    private static Optional<Socks5Credentials> credentials(Checks.Fields f, String type, Checks checks) {
        if (!f.has("username") && !f.has("password")) return Optional.empty();
        YamlNode at = f.get("username") != null ? f.get("username") : f.get("password");
        String where = f.get("username") != null ? f.path("username") : f.path("password");
        if (type != null && !type.equals("socks5")) {
            checks.error(at, where, "only socks5 proxies take a username and password");
            return null;
        }
        String u = checks.string(f.require("username", "give username and password together"), f.path("username"));
        String p = checks.string(f.require("password", "give username and password together"), f.path("password"));
        if (u == null || p == null) return null;
        try {
            return Optional.of(new Socks5Credentials(u, p));
        } catch (IllegalArgumentException e) {
            checks.error(at, where, e.getMessage());
            return null;
        }
    }

    /** One list item's parser: the item or null, its problems reported to {@code checks}. */
    private interface ItemParser<T> {
        T parse(YamlNode node, String path, Checks checks);
    }

    /**
     * A proxy's place in the chain, built-in or class alike: its rules ({@code include}, every flow when absent;
     * {@code exclude}; {@code apps}, which make it an app proxy) and its order; null when anything is wrong (reported).
     */
    private static ProxyChain.Member member(Checks.Fields f, String name, long order, Checks checks) {
        int before = checks.errorCount();
        List<NetworkRule> include = f.get("include") == null ? List.of(NetworkRule.any())
                : listOf(f.get("include"), f.path("include"), checks, ProxiesSectionParser::networkRule);
        List<NetworkRule> exclude = f.get("exclude") == null ? List.of()
                : listOf(f.get("exclude"), f.path("exclude"), checks, ProxiesSectionParser::networkRule);
        List<AppRule> apps = f.get("apps") == null ? List.of()
                : listOf(f.get("apps"), f.path("apps"), checks, ProxiesSectionParser::appRule);
        if (include != null && include.isEmpty())
            checks.error(f.get("include"), f.path("include"), "is empty, so no flow would be offered; leave it out to offer every flow");
        if (checks.errorCount() > before || name == null || include == null || exclude == null || apps == null) return null;
        return new ProxyChain.Member(name, apps.isEmpty() ? ProviderKind.TRANSPARENT_PROXY : ProviderKind.APP_PROXY,
                (int) order, new ProxyRules(include, exclude, apps));
    }

    /** A list of {@code item}s, {@code path[i]} each; null when any item had a problem. */
    private static <T> List<T> listOf(YamlNode node, String path, Checks checks, ItemParser<T> item) {
        List<YamlNode> items = checks.list(node, path);
        if (items == null) return null;
        int before = checks.errorCount();
        List<T> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            T r = item.parse(items.get(i), path + "[" + i + "]", checks);
            if (r != null) out.add(r);
        }
        return checks.errorCount() > before ? null : out;
    }

    /** A rule's mapping, which must give at least one of {@code keys}; null when that is not so (reported). */
    private static Checks.Fields ruleFields(YamlNode node, String path, List<String> keys, Checks checks) {
        Checks.Fields f = checks.fields(node, path, keys);
        if (f == null || !f.keys().isEmpty()) return f;
        checks.error(node, path, "is empty: give " + String.join(", ", keys.subList(0, keys.size() - 1)) + " or " + keys.getLast());
        return null;
    }

    private static NetworkRule networkRule(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = ruleFields(node, path, NETWORK_RULE_KEYS, checks);
        if (f == null) return null;
        Optional<IpPrefix> cidr = Optional.empty();
        Optional<String> host = Optional.empty();
        PortRange ports = null;
        TransportProtocol protocol = null;
        try {
            String h = f.string("host");
            if (h != null) host = Optional.of(DomainName.normalizePattern(h.strip()));
            String c = f.string("cidr");
            if (c != null) cidr = Optional.of(IpPrefix.parse(c.contains("/") ? c.strip() : c.strip() + (c.contains(":") ? "/128" : "/32")));
            String port = f.string("port");
            if (port != null) ports = PortRange.parse(port.strip());
            String p = f.string("protocol");
            if (p != null) {
                String v = p.strip().toLowerCase(Locale.ROOT);
                if (!v.equals("tcp") && !v.equals("udp") && !v.equals("any"))
                    throw new IllegalArgumentException("protocol '" + p + "' is not tcp, udp or any");
                protocol = TransportProtocol.valueOf(v.toUpperCase(Locale.ROOT));
            }
            if (checks.errorCount() > before) return null;
            return new NetworkRule(cidr, host, ports, null, protocol, null);
        } catch (IllegalArgumentException e) {
            checks.error(node, path, e.getMessage());
            return null;
        }
    }

    private static AppRule appRule(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = ruleFields(node, path, APP_RULE_KEYS, checks);
        if (f == null) return null;
        OptionalLong uid = OptionalLong.empty(), gid = OptionalLong.empty();
        if (f.get("uid") != null) {
            Long u = checks.integer(f.get("uid"), f.path("uid"), "uid", 0, 0xFFFF_FFFEL);
            if (u != null) uid = OptionalLong.of(u);
        }
        if (f.get("gid") != null) {
            Long g = checks.integer(f.get("gid"), f.path("gid"), "gid", 0, 0xFFFF_FFFEL);
            if (g != null) gid = OptionalLong.of(g);
        }
        Optional<String> cgroup = Optional.empty();
        String c = f.string("cgroup");
        if (c != null) {
            c = c.strip();
            if (!c.startsWith("/")) checks.error(f.get("cgroup"), f.path("cgroup"), "'" + c + "' is not a cgroup path (starts with /)");
            else cgroup = Optional.of(c);
        }
        Optional<Path> exe = Optional.empty();
        String e = f.string("executable");
        if (e != null) {
            e = e.strip();
            if (!e.startsWith("/") || e.indexOf('\0') >= 0)
                checks.error(f.get("executable"), f.path("executable"), "'" + e + "' is not an absolute path");
            else exe = Optional.of(Path.of(e).normalize());
        }
        if (checks.errorCount() > before) return null;
        return new AppRule(exe, cgroup, uid, gid, Optional.empty());
    }
}
