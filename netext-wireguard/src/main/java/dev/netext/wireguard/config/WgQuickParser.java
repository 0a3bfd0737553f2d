package dev.netext.wireguard.config;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.wireguard.Key;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a wg-quick file ({@code wg-quick(8)}, {@code wg(8)} "CONFIGURATION FILE FORMAT"): {@code [Interface]} and
 * {@code [Peer]} sections of {@code Key = Value} lines, keys case-insensitive, {@code #} starting a comment,
 * list values comma-separated and repeatable. Every problem is collected and reported as
 * {@code file:line: key: reason}.
 *
 * <p>netext runs no shell: {@code PreUp}, {@code PostUp}, {@code PreDown} and {@code PostDown} are refused with the
 * line that holds them, as is {@code SaveConfig = true} (netext never rewrites the file).
 */
public final class WgQuickParser {
    /** wg-quick files are a few lines; anything this large is a mistake. */
    public static final long MAX_FILE_BYTES = 1 << 20;

    private static final Set<String> INTERFACE_KEYS = Set.of("privatekey", "address", "dns", "mtu", "listenport",
            "table", "fwmark", "saveconfig", "preup", "postup", "predown", "postdown");
    private static final Set<String> PEER_KEYS = Set.of("publickey", "presharedkey", "endpoint", "allowedips", "persistentkeepalive");
    private static final Set<String> HOOKS = Set.of("preup", "postup", "predown", "postdown");
    private static final Map<String, String> CANONICAL = Map.ofEntries(
            Map.entry("privatekey", "PrivateKey"), Map.entry("address", "Address"), Map.entry("dns", "DNS"),
            Map.entry("mtu", "MTU"), Map.entry("listenport", "ListenPort"), Map.entry("table", "Table"),
            Map.entry("fwmark", "FwMark"), Map.entry("saveconfig", "SaveConfig"), Map.entry("preup", "PreUp"),
            Map.entry("postup", "PostUp"), Map.entry("predown", "PreDown"), Map.entry("postdown", "PostDown"),
            Map.entry("publickey", "PublicKey"), Map.entry("presharedkey", "PresharedKey"),
            Map.entry("endpoint", "Endpoint"), Map.entry("allowedips", "AllowedIPs"),
            Map.entry("persistentkeepalive", "PersistentKeepalive"));

    private final Path file;
    private final List<WgQuickException.Problem> problems = new ArrayList<>();

    private WgQuickParser(Path file) {
        this.file = file;
    }

    /** Reads and validates {@code file}. */
    public static WgQuickConfig parse(Path file) throws WgQuickException {
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) throw single(file, "is " + size + " bytes; a wg-quick file is at most " + MAX_FILE_BYTES);
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
            }
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw single(file, "is not UTF-8 text");
        } catch (IOException e) {
            throw single(file, "cannot be read: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        return parse(text, file);
    }

    /** Validates {@code text} as if read from {@code source}. */
    public static WgQuickConfig parse(String text, Path source) throws WgQuickException {
        return new WgQuickParser(source).run(text);
    }

    private static WgQuickException single(Path file, String reason) {
        return new WgQuickException(List.of(new WgQuickException.Problem(file, 0, "", reason)));
    }

    private void error(int line, String key, String reason) {
        problems.add(new WgQuickException.Problem(file, line, key, reason));
    }

    /** Collected values of one [Peer]. */
    private static final class PeerDraft {
        final int line;
        Key publicKey, presharedKey;
        boolean publicKeyGiven; // given but not a key is reported on its own line, not as "missing"
        WgQuickConfig.Endpoint endpoint;
        final List<IpPrefix> allowedIps = new ArrayList<>();
        int keepalive;
        PeerDraft(int line) { this.line = line; }
    }

    private WgQuickConfig run(String text) throws WgQuickException {
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        Key privateKey = null;
        boolean privateKeyGiven = false; // given but not a key is reported on its own line, not as "missing"
        int interfaceLine = 0;
        List<IpPrefix> addresses = new ArrayList<>();
        List<InetAddress> dns = new ArrayList<>();
        List<String> search = new ArrayList<>();
        int mtu = 0, listenPort = 0, fwmark = 0;
        WgQuickConfig.Table table = WgQuickConfig.Table.AUTO;
        List<PeerDraft> peers = new ArrayList<>();
        String section = null;
        Set<String> seenSingle = new HashSet<>();

        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int n = i + 1;
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            line = line.strip();
            if (line.isEmpty()) continue;
            if (line.startsWith("[")) {
                String name = line.endsWith("]") ? line.substring(1, line.length() - 1).strip().toLowerCase(Locale.ROOT) : "";
                switch (name) {
                    case "interface" -> {
                        if (interfaceLine != 0) error(n, "[Interface]", "a second [Interface] section (the first is on line " + interfaceLine + ")");
                        else interfaceLine = n;
                        section = "interface";
                        seenSingle.clear();
                    }
                    case "peer" -> {
                        section = "peer";
                        peers.add(new PeerDraft(n));
                    }
                    default -> {
                        error(n, line, "unknown section; wg-quick files have [Interface] and [Peer]");
                        section = "unknown";
                    }
                }
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                error(n, line.length() > 40 ? line.substring(0, 40) + "…" : line, "expected 'Key = Value'");
                continue;
            }
            String rawKey = line.substring(0, eq).strip();
            String key = rawKey.toLowerCase(Locale.ROOT);
            String value = line.substring(eq + 1).strip();
            String label = CANONICAL.getOrDefault(key, rawKey);
            if (section == null) { error(n, label, "comes before any [Interface] or [Peer] section"); continue; }
            if (section.equals("unknown")) continue;
            Set<String> known = section.equals("interface") ? INTERFACE_KEYS : PEER_KEYS;
            if (!known.contains(key)) {
                Set<String> other = section.equals("interface") ? PEER_KEYS : INTERFACE_KEYS;
                error(n, label, other.contains(key)
                        ? "belongs in " + (section.equals("interface") ? "a [Peer]" : "the [Interface]") + " section"
                        : "unknown key in [" + (section.equals("interface") ? "Interface" : "Peer") + "]");
                continue;
            }
            if (HOOKS.contains(key)) {
                error(n, label, "netext runs no shell commands from a wg-quick file; remove this line (do that work "
                        + "in a script around 'netext wg up', or in a provider)");
                continue;
            }
            boolean single = !key.equals("address") && !key.equals("dns") && !key.equals("allowedips");
            String seenKey = section.equals("peer") ? peers.size() + ":" + key : key;
            if (single && !seenSingle.add(seenKey)) { error(n, label, "given twice in one section"); continue; }
            if (key.equals("privatekey")) privateKeyGiven = true;
            if (key.equals("publickey")) peers.getLast().publicKeyGiven = true;
            if (value.isEmpty() && !key.equals("allowedips")) { error(n, label, "has no value"); continue; }
            if (section.equals("interface")) {
                switch (key) {
                    case "privatekey" -> privateKey = key(n, label, value);
                    case "address" -> { for (String a : list(value)) { IpPrefix p = address(n, label, a); if (p != null) addresses.add(p); } }
                    case "dns" -> {
                        for (String d : list(value)) {
                            InetAddress a = literal(d);
                            if (a != null) dns.add(a);
                            else if (d.matches("[A-Za-z0-9.-]+")) search.add(d);
                            else error(n, label, "'" + d + "' is neither an IP address nor a search domain");
                        }
                    }
                    case "mtu" -> mtu = integer(n, label, value, 1280, 65_535 - 32, "an MTU (1280 to 65503)");
                    case "listenport" -> listenPort = integer(n, label, value, 0, 65_535, "a UDP port (0 to 65535)");
                    case "fwmark" -> fwmark = fwmark(n, label, value);
                    case "table" -> table = table(n, label, value);
                    case "saveconfig" -> {
                        if (value.equalsIgnoreCase("true")) error(n, label, "netext never rewrites the file; set it to false or remove the line");
                        else if (!value.equalsIgnoreCase("false")) error(n, label, "expected true or false");
                    }
                    default -> throw new IllegalStateException(key);
                }
            } else {
                PeerDraft p = peers.getLast();
                switch (key) {
                    case "publickey" -> p.publicKey = key(n, label, value);
                    case "presharedkey" -> p.presharedKey = key(n, label, value);
                    case "endpoint" -> p.endpoint = endpoint(n, label, value);
                    case "allowedips" -> { for (String a : list(value)) { IpPrefix pr = allowedIp(n, label, a); if (pr != null) p.allowedIps.add(pr); } }
                    case "persistentkeepalive" -> p.keepalive = value.equalsIgnoreCase("off") ? 0
                            : integer(n, label, value, 0, 65_535, "seconds (0 to 65535) or 'off'");
                    default -> throw new IllegalStateException(key);
                }
            }
        }
        if (interfaceLine == 0) error(0, "[Interface]", "missing; a wg-quick file needs an [Interface] section with a PrivateKey");
        else if (!privateKeyGiven) error(interfaceLine, "PrivateKey", "missing from [Interface] (make one with 'netext wg genkey')");
        Set<Key> publicKeys = new HashSet<>();
        Key ownPublic = privateKey == null ? null : privateKey.publicKey();
        List<WgQuickConfig.PeerConfig> done = new ArrayList<>();
        for (PeerDraft p : peers) {
            if (p.publicKey == null) {
                if (!p.publicKeyGiven) error(p.line, "PublicKey", "missing from this [Peer]");
                continue;
            }
            if (!publicKeys.add(p.publicKey)) error(p.line, "PublicKey", "a second [Peer] with the same public key");
            if (p.publicKey.equals(ownPublic)) error(p.line, "PublicKey", "is the interface's own public key");
            done.add(new WgQuickConfig.PeerConfig(p.publicKey, p.presharedKey, p.endpoint, p.allowedIps, p.keepalive, p.line));
        }
        if (mtu != 0 && mtu < 1280 && addresses.stream().anyMatch(a -> a.family() == IpFamily.V6))
            error(0, "MTU", "below 1280, the minimum for IPv6");
        if (!problems.isEmpty()) throw new WgQuickException(problems);
        return new WgQuickConfig(file, new WgQuickConfig.Interface(privateKey, addresses, dns, search, mtu, listenPort, table, fwmark), done);
    }

    private static List<String> list(String value) {
        List<String> out = new ArrayList<>();
        for (String s : value.split(",")) if (!s.isBlank()) out.add(s.strip());
        return out;
    }

    private Key key(int line, String label, String value) {
        try {
            return Key.fromBase64(value);
        } catch (IllegalArgumentException e) {
            error(line, label, "not a WireGuard key (" + e.getMessage() + "); keys are 44 characters of base64 as 'wg genkey' prints them");
            return null;
        }
    }

    private IpPrefix address(int line, String label, String text) {
        try {
            if (text.indexOf('/') < 0) {
                InetAddress a = IpPrefix.parseAddress(text);
                return new IpPrefix(a, a.getAddress().length * 8);
            }
            return IpPrefix.parse(text);
        } catch (IllegalArgumentException e) {
            error(line, label, "'" + text + "' is not an address with a prefix length (10.0.0.2/24, fd00::2/64)");
            return null;
        }
    }

    private IpPrefix allowedIp(int line, String label, String text) {
        IpPrefix p = address(line, label, text);
        return p == null ? null : p.network(); // wg masks host bits the same way
    }

    private static InetAddress literal(String text) {
        try {
            return IpPrefix.parseAddress(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private int integer(int line, String label, String value, int min, int max, String what) {
        try {
            long v = Long.parseLong(value);
            if (v >= min && v <= max) return (int) v;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        error(line, label, "'" + value + "' is not " + what);
        return 0;
    }

    private int fwmark(int line, String label, String value) {
        if (value.equalsIgnoreCase("off")) return 0;
        try {
            long v = value.startsWith("0x") || value.startsWith("0X") ? Long.parseLong(value.substring(2), 16) : Long.parseLong(value);
            if (v >= 0 && v <= 0xffff_ffffL) return (int) v;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        error(line, label, "'" + value + "' is not a 32-bit mark (decimal, 0x hex, or off)");
        return 0;
    }

    private WgQuickConfig.Table table(int line, String label, String value) {
        String v = value.toLowerCase(Locale.ROOT);
        if (v.equals("auto")) return WgQuickConfig.Table.AUTO;
        if (v.equals("off")) return WgQuickConfig.Table.OFF;
        try {
            long t = Long.parseLong(v);
            if (t == 253 || t == 254 || t == 255) {
                error(line, label, "table " + t + " is the kernel's own ('default', 'main', 'local'); use a number of your own, auto or off");
            } else if (t >= 1 && t <= 0xffff_ffffL) {
                return new WgQuickConfig.Table("number", (int) t);
            } else {
                error(line, label, "'" + value + "' is outside 1..4294967295");
            }
            return WgQuickConfig.Table.AUTO;
        } catch (NumberFormatException e) {
            error(line, label, "'" + value + "': netext takes auto, off or a table number (table names are not supported)");
            return WgQuickConfig.Table.AUTO;
        }
    }

    private WgQuickConfig.Endpoint endpoint(int line, String label, String value) {
        String host;
        String port;
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            if (close < 0 || close + 1 >= value.length() || value.charAt(close + 1) != ':') {
                error(line, label, "'" + value + "' is not [IPv6]:port");
                return null;
            }
            host = value.substring(1, close);
            port = value.substring(close + 2);
            if (literal(host) == null || host.indexOf(':') < 0) { error(line, label, "'" + host + "' is not an IPv6 address"); return null; }
        } else {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || value.indexOf(':') != colon) {
                error(line, label, "'" + value + "' is not host:port (write IPv6 as [address]:port)");
                return null;
            }
            host = value.substring(0, colon);
            port = value.substring(colon + 1);
            if (!host.matches("[A-Za-z0-9.-]+")) { error(line, label, "'" + host + "' is not a host name or IPv4 address"); return null; }
        }
        int p = integer(line, label, port, 1, 65_535, "a port (1 to 65535)");
        return p == 0 ? null : new WgQuickConfig.Endpoint(host, p);
    }
}
