package dev.netext.daemon.profile;

import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.ProxySettings;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

/** {@code tunnel.settings.proxy: { http: host:port, https: host:port, pac: url, exceptions: [..] }}. */
final class ProxySettingsParser implements SectionParser<ProxySettings> {

    static final List<String> KEYS = List.of("http", "https", "pac", "exceptions");

    @Override public String key() { return "proxy"; }

    @Override
    public ProxySettings parse(YamlNode node, String path, Checks checks) {
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, KEYS);
        if (f == null) return null;
        String http = server(f, "http", checks);
        String https = server(f, "https", checks);
        URI pac = null;
        YamlNode pacNode = f.get("pac");
        String pacText = checks.string(pacNode, f.path("pac"));
        if (pacText != null) {
            try {
                pac = new URI(pacText.strip());
                String scheme = pac.getScheme();
                if (scheme == null || !(scheme.equals("http") || scheme.equals("https") || scheme.equals("file"))) {
                    checks.error(pacNode, f.path("pac"), "'" + pacText + "' is not an http://, https:// or file:// URL");
                }
            } catch (URISyntaxException e) {
                checks.error(pacNode, f.path("pac"), "'" + pacText + "' is not a URL: " + e.getReason());
            }
            if (http != null || https != null) {
                checks.error(pacNode, f.path("pac"), "use either a PAC URL or http/https servers, not both");
            }
        }
        List<String> exceptions = new ArrayList<>();
        List<YamlNode> items = checks.list(f.get("exceptions"), f.path("exceptions"));
        if (items != null) {
            for (int i = 0; i < items.size(); i++) {
                String p = f.path("exceptions") + "[" + i + "]";
                String e = checks.string(items.get(i), p);
                if (e == null) continue;
                if (e.chars().anyMatch(Character::isWhitespace))
                    checks.error(items.get(i), p, "'" + e + "' contains whitespace; list one host pattern per item");
                else exceptions.add(e);
            }
        }
        if (checks.errorCount() > before) return null;
        return new ProxySettings(pac, http, https, exceptions);
    }

    /** {@code host:port} where host is a name, an IPv4 address or a bracketed IPv6 address. */
    private static String server(Checks.Fields f, String key, Checks checks) {
        YamlNode node = f.get(key);
        String text = checks.string(node, f.path(key));
        if (text == null) return null;
        String s = text.strip();
        if (s.contains("://")) {
            checks.error(node, f.path(key), "'" + text + "': write host:port without a scheme");
            return null;
        }
        int colon = s.lastIndexOf(':');
        String host = colon < 0 ? s : s.substring(0, colon);
        String port = colon < 0 ? "" : s.substring(colon + 1);
        if (colon < 0 || port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            checks.error(node, f.path(key), "'" + text + "' is not host:port (port 1..65535"
                    + (host.indexOf(':') >= 0 && !host.startsWith("[") ? "; put IPv6 addresses in brackets: [fd00::1]:3128" : "") + ")");
            return null;
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            try {
                IpPrefix.parseAddress(host);
            } catch (IllegalArgumentException e) {
                checks.error(node, f.path(key), "'" + text + "': '" + host + "' is not an IPv6 address");
                return null;
            }
        } else if (host.indexOf(':') >= 0) {
            checks.error(node, f.path(key), "'" + text + "': put IPv6 addresses in brackets, like [fd00::1]:3128");
            return null;
        } else if (DnsSettingsParser.domainProblem(host) != null) {
            checks.error(node, f.path(key), "'" + text + "': '" + host + "' is not a host name or address");
            return null;
        }
        return s;
    }
}
