package dev.netext.daemon.profile;

import dev.netext.api.tunnel.DnsSettings;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code tunnel.settings.dns: { servers: [..], match-domains: [..], search-domains: [..] }}. */
final class DnsSettingsParser implements SectionParser<DnsSettings> {

    static final List<String> KEYS = List.of("servers", "match-domains", "search-domains");

    @Override public String key() { return "dns"; }

    @Override
    public DnsSettings parse(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, KEYS);
        if (f == null) return null;
        List<InetAddress> servers = new ArrayList<>();
        List<YamlNode> items = checks.list(f.get("servers"), f.path("servers"));
        if (items != null) {
            for (int i = 0; i < items.size(); i++) {
                InetAddress a = Addresses.plainAddress(items.get(i), f.path("servers") + "[" + i + "]", checks);
                if (a != null) servers.add(a);
            }
        }
        List<String> match = domains(f, "match-domains", checks);
        List<String> search = domains(f, "search-domains", checks);
        if (checks.errorCount() > before) return null;
        if (servers.isEmpty() && (!match.isEmpty() || !search.isEmpty())) {
            checks.error(f.keyLine("servers"), f.path("servers"),
                    "match-domains and search-domains need at least one server to send the queries to");
            return null;
        }
        return new DnsSettings(servers, search, match);
    }

    private static List<String> domains(Checks.Fields f, String key, Checks checks) {
        List<YamlNode> items = checks.list(f.get(key), f.path(key));
        List<String> out = new ArrayList<>();
        if (items == null) return out;
        for (int i = 0; i < items.size(); i++) {
            String p = f.path(key) + "[" + i + "]";
            String d = checks.string(items.get(i), p);
            if (d == null) continue;
            String reason = domainProblem(d);
            if (reason != null) {
                checks.error(items.get(i), p, "'" + d + "' is not a domain name: " + reason);
                continue;
            }
            String norm = normalise(d);
            if (out.contains(norm)) {
                checks.error(items.get(i), p, "'" + d + "' is listed twice");
                continue;
            }
            out.add(norm);
        }
        return out;
    }

    static String normalise(String domain) {
        String d = domain.strip().toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    /** Why the text is not a DNS name (RFC 1035 §2.3.4 lengths; letters, digits, '-', '_'), or null. */
    static String domainProblem(String domain) {
        String d = domain.strip();
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        if (d.isEmpty()) return "it is empty";
        if (d.length() > 253) return "longer than 253 characters";
        for (String label : d.split("\\.", -1)) {
            if (label.isEmpty()) return "empty label (two dots in a row?)";
            if (label.length() > 63) return "label '" + label + "' is longer than 63 characters";
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'))
                    return "character '" + c + "' is not allowed";
            }
            if (label.startsWith("-") || label.endsWith("-")) return "label '" + label + "' starts or ends with '-'";
        }
        return null;
    }
}
