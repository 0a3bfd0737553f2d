package dev.netext.cli.importer;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns an Apple configuration profile (a {@code .mobileconfig} property list) into a netext profile:
 *
 * <ul>
 *   <li>{@code com.apple.dnsSettings.managed}: {@code DNSSettings} → a {@code dns:} section. {@code DNSProtocol}
 *       HTTPS takes {@code ServerURL} with each of {@code ServerAddresses} ({@code https://NAME@ADDRESS/path}); TLS takes {@code ServerName} with each of
 *       {@code ServerAddresses} ({@code tls://NAME@ADDRESS}, failover in order). {@code SupplementalMatchDomains}
 *       become a rule sending those names to the imported server, everything else to the system resolvers; without
 *       them the imported server answers every name.</li>
 *   <li>{@code com.apple.vpn.managed} with {@code VPNType} VPN and a WireGuard {@code VPNSubType}
 *       ({@code com.wireguard.*}) whose {@code VendorConfig} holds {@code WgQuickConfig} → a {@code tunnel:} with
 *       provider {@code wireguard} and the wg-quick text as a file beside the profile. IKEv2, IPSec, L2TP and other
 *       vendors' VPNs have no netext provider: a note says so.</li>
 * </ul>
 *
 * Keys follow Apple's Device Management reference (DNSSettings, VPN payloads). Everything not carried over is named
 * in a note; a profile with nothing to import is an {@link ImportException}.
 */
public final class MobileconfigImporter {
    static final String DNS_PAYLOAD = "com.apple.dnsSettings.managed";
    static final String VPN_PAYLOAD = "com.apple.vpn.managed";
    static final String SERVER_GROUP = "imported";

    /**
     * @param fallbackName the profile name when the profile's display name gives none (the file name)
     * @param configDir    where referenced files (wg-quick configs) will be written; the profile names them by absolute path
     */
    public ImportedProfile convert(Object plist, String fallbackName, Path configDir) throws ImportException {
        if (!(plist instanceof Map<?, ?> root)) throw new ImportException("the property list is not a dictionary; not a configuration profile");
        List<String> notes = new ArrayList<>();
        String type = str(root, "PayloadType");
        List<Map<?, ?>> payloads = new ArrayList<>();
        if ("Configuration".equals(type)) {
            if (root.get("PayloadContent") instanceof List<?> l) {
                for (Object o : l) {
                    if (o instanceof Map<?, ?> m) payloads.add(m);
                    else notes.add("skipped a PayloadContent item that is not a dictionary");
                }
            }
        } else if (type != null) {
            payloads.add(root); // a bare payload
        } else {
            throw new ImportException("no PayloadType: not a configuration profile");
        }
        String name = profileName(str(root, "PayloadDisplayName"), fallbackName);

        String dns = null, tunnel = null;
        Map<String, String> files = new LinkedHashMap<>();
        for (Map<?, ?> p : payloads) {
            String pt = str(p, "PayloadType");
            String label = pt + (str(p, "PayloadDisplayName") != null ? " '" + str(p, "PayloadDisplayName") + "'" : "");
            if (DNS_PAYLOAD.equals(pt)) {
                if (dns != null) {
                    notes.add("skipped " + label + ": a netext profile has one dns section, the first DNS payload was used");
                    continue;
                }
                dns = dnsSection(p, label, notes);
            } else if (VPN_PAYLOAD.equals(pt)) {
                if (tunnel != null) {
                    notes.add("skipped " + label + ": a netext profile has one tunnel, the first usable VPN payload was used");
                    continue;
                }
                String conf = wireGuardConfig(p, label, notes);
                if (conf != null) {
                    String file = configDir.resolve(name + ".conf").toAbsolutePath().normalize().toString();
                    files.put(file, conf.endsWith("\n") ? conf : conf + "\n");
                    tunnel = "tunnel:\n  provider: wireguard\n  config: " + Yaml.quote(file) + "\n";
                }
            } else {
                notes.add("skipped " + label + ": no netext equivalent");
            }
        }
        if (dns == null && tunnel == null) throw new ImportException("nothing to import: " + String.join("; ", notes));
        StringBuilder yaml = new StringBuilder();
        yaml.append(Yaml.comment("Imported by 'netext import' from a configuration profile"
                + (str(root, "PayloadIdentifier") != null ? " (" + str(root, "PayloadIdentifier") + ")" : "") + "."));
        for (String n : notes) yaml.append(Yaml.comment("note: " + n));
        yaml.append("name: ").append(Yaml.quote(name)).append('\n');
        if (tunnel != null) yaml.append(tunnel);
        if (dns != null) yaml.append(dns);
        return new ImportedProfile(name, yaml.toString(), files, notes);
    }

    private static String dnsSection(Map<?, ?> p, String label, List<String> notes) {
        if (!(p.get("DNSSettings") instanceof Map<?, ?> s)) {
            notes.add("skipped " + label + ": no DNSSettings dictionary");
            return null;
        }
        String protocol = str(s, "DNSProtocol");
        List<String> addresses = strings(s, "ServerAddresses");
        List<String> servers = new ArrayList<>();
        switch (protocol == null ? "" : protocol.toUpperCase(Locale.ROOT)) {
            case "HTTPS" -> {
                String url = str(s, "ServerURL");
                if (url == null || !url.startsWith("https://")) {
                    notes.add("skipped " + label + ": DNSProtocol HTTPS needs an https:// ServerURL");
                    return null;
                }
                if (addresses.isEmpty()) {
                    notes.add("skipped " + label + ": netext needs the DoH server's ServerAddresses (it connects to an address"
                            + " and checks the certificate against the URL's name; looking the name up would need a resolver)");
                    return null;
                }
                URI u = URI.create(url);
                String rest = url.substring(("https://" + u.getRawAuthority()).length());
                for (String a : addresses)
                    servers.add("https://" + u.getRawAuthority() + "@" + (a.contains(":") ? "[" + a + "]" : a) + rest);
            }
            case "TLS" -> {
                String serverName = str(s, "ServerName");
                if (serverName == null || addresses.isEmpty()) {
                    notes.add("skipped " + label + ": DNSProtocol TLS needs ServerName and ServerAddresses (netext connects to the addresses and checks the name)");
                    return null;
                }
                for (String a : addresses) servers.add("tls://" + serverName + "@" + (a.contains(":") ? "[" + a + "]" : a));
            }
            default -> {
                notes.add("skipped " + label + ": DNSProtocol '" + protocol + "' is not HTTPS or TLS");
                return null;
            }
        }
        if (s.containsKey("OnDemandRules") || p.containsKey("OnDemandRules"))
            notes.add("the OnDemandRules of " + label + " were not imported; netext's dns section is always on (see the on-demand section for tunnels)");
        List<String> match = strings(s, "SupplementalMatchDomains");
        StringBuilder y = new StringBuilder("dns:\n  listen: [127.0.0.1:53]\n  servers:\n");
        y.append("    ").append(SERVER_GROUP).append(": ").append(servers.size() == 1 ? Yaml.quote(servers.getFirst()) : Yaml.list(servers)).append('\n');
        List<String> domains = match.stream().map(d -> d.startsWith("*.") ? d.substring(2) : d).filter(d -> !d.isEmpty()).toList();
        if (!domains.isEmpty()) {
            y.append("  rules:\n    - { domains: ").append(Yaml.list(domains)).append(", server: ").append(SERVER_GROUP).append(" }\n");
            y.append("  default: system\n");
        } else {
            y.append("  default: ").append(SERVER_GROUP).append('\n');
        }
        return y.toString();
    }

    private static String wireGuardConfig(Map<?, ?> p, String label, List<String> notes) {
        String vpnType = str(p, "VPNType"), subType = str(p, "VPNSubType");
        if (vpnType == null) {
            notes.add("skipped " + label + ": no VPNType");
            return null;
        }
        if (!vpnType.equals("VPN") || subType == null || !subType.startsWith("com.wireguard.")) {
            String what = vpnType.equals("VPN") ? "VPNSubType " + subType : "VPNType " + vpnType;
            notes.add("skipped " + label + ": " + what + " is not supported by netext (IKEv2, IPSec and L2TP have no netext provider; WireGuard does)");
            return null;
        }
        Object vc = p.get("VendorConfig");
        String conf = vc instanceof Map<?, ?> m ? str(m, "WgQuickConfig") : null;
        if (conf == null || !conf.contains("[Interface]")) {
            notes.add("skipped " + label + ": a WireGuard VPN payload without a wg-quick config in VendorConfig.WgQuickConfig");
            return null;
        }
        if (p.get("VPN") instanceof Map<?, ?> vpn && Boolean.TRUE.equals(vpn.get("OnDemandEnabled")))
            notes.add("the on-demand rules of " + label + " were not imported; add an on-demand section if you want them");
        return conf;
    }

    /** The profile name: the display name made into letters, digits, '.', '_' and '-' (at most 48), else the fallback. */
    static String profileName(String displayName, String fallback) {
        String n = displayName == null ? "" : displayName.strip().replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("^[-.]+|-+$", "");
        if (n.length() > 48) n = n.substring(0, 48);
        if (n.isEmpty() || !Character.isLetterOrDigit(n.charAt(0))) n = fallback;
        return n;
    }

    private static String str(Map<?, ?> m, String key) {
        return m.get(key) instanceof String s ? s : null;
    }

    private static List<String> strings(Map<?, ?> m, String key) {
        List<String> out = new ArrayList<>();
        if (m.get(key) instanceof List<?> l) for (Object o : l) if (o instanceof String s && !s.isBlank()) out.add(s.strip());
        return out;
    }
}
