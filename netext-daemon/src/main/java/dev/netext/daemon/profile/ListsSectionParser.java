package dev.netext.daemon.profile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The top-level {@code lists:} section: named list files that {@code dns:} and {@code filter:} rules refer to.
 * <pre>
 * lists:
 *   ads: /etc/netext/lists/ads.hosts        # hosts file, plain domains, adblock ||d^ or CIDRs (dev.netext.dns.lists.ListParser)
 *   bad-nets: /etc/netext/lists/nets.txt
 * dns:
 *   rules:
 *     - { list: ads, action: block }        # block | refused | sinkhole
 * filter:
 *   rules:
 *     - { list: ads, action: drop }         # the flow's host name, or its remote address for CIDRs
 * </pre>
 * The files are only checked to be readable here; they are read when the profile starts and re-read when they
 * change. Checked before {@code dns:} and {@code filter:}, which ask {@link #file} for the names they use.
 */
final class ListsSectionParser implements SectionParser<Map<String, Path>> {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private final Map<String, Path> declared = new LinkedHashMap<>();

    @Override public String key() { return "lists"; }

    @Override
    public Map<String, Path> parse(YamlNode node, String path, Checks checks) {
        if (!(node instanceof YamlNode.MapNode m)) {
            checks.error(node, path, "expected a mapping of list names to files, e.g. { ads: /etc/netext/ads.hosts }; got " + node.describe());
            return null;
        }
        int before = checks.errorCount();
        Checks.Fields f = checks.fields(node, path, List.copyOf(m.entries().keySet()));
        if (f == null) return null;
        for (String name : f.keys()) {
            String p = f.path(name);
            if (!NAME.matcher(name).matches()) {
                checks.error(f.get(name), p, "'" + name + "' is not a list name (letters, digits, '_', '.', '-'; at most 64)");
                continue;
            }
            String file = checks.string(f.require(name, "give the list's file"), p);
            if (file == null) continue;
            Path fp = Path.of(file.strip());
            if (!fp.isAbsolute()) checks.error(f.get(name), p, "'" + file + "': give an absolute path (the daemon's working directory is not yours)");
            else if (!Files.isRegularFile(fp) || !Files.isReadable(fp)) checks.error(f.get(name), p, "'" + file + "': no readable file");
            else declared.put(name, fp);
        }
        return checks.errorCount() > before ? null : Collections.unmodifiableMap(new LinkedHashMap<>(declared));
    }

    /**
     * The file of the list {@code name} a rule at {@code path} refers to, or null after reporting an unknown name
     * (with the closest declared one).
     */
    Path file(String name, YamlNode at, String path, Checks checks) {
        Path p = declared.get(name);
        if (p == null) checks.error(at, path, "'" + name + "' is not a declared list" + Suggest.hint(name, declared.keySet())
                + (declared.isEmpty() ? "; declare it under lists:, e.g. lists: { " + name + ": /etc/netext/" + name + ".hosts }"
                : " (declared: " + String.join(", ", declared.keySet()) + ")"));
        return p;
    }
}
