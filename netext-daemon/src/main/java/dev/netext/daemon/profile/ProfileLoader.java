package dev.netext.daemon.profile;

import dev.netext.api.ondemand.OnDemandRule;
import dev.netext.daemon.plugin.ProviderResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a profile file into a {@link Profile}, or fails with a {@link ProfileException} listing every problem
 * ({@code file:line: key.path: reason}). Nothing here touches the network, runs provider code or resolves names.
 *
 * <p>The document is read into a {@link YamlNode} tree with line numbers, then each top-level section is handed to
 * its {@link SectionParser}. To add a section: write its parser, add it to {@link #sections()}, add a component to
 * {@link Profile} and set it in {@link #build}.
 */
public final class ProfileLoader {

    /** Profiles are small; anything larger is a mistake (or an attack on the parser). */
    public static final long MAX_FILE_BYTES = 1 << 20;

    private static final List<String> OWN_KEYS = List.of("name", "enabled", "required");

    private static final Logger log = LoggerFactory.getLogger(ProfileLoader.class);

    private final ProviderResolver resolver;
    private final Map<String, TunnelConfigImporter> importers;

    /** A loader that checks the provider reference's spelling only, not that the provider exists. */
    public ProfileLoader() {
        this(null);
    }

    /** A loader that also checks, with {@code resolver}, that the provider exists and is usable. */
    public ProfileLoader(ProviderResolver resolver) {
        this(resolver, Map.of());
    }

    /** ... and reads {@code tunnel.config} files with {@code importers} (by provider name). */
    public ProfileLoader(ProviderResolver resolver, Map<String, TunnelConfigImporter> importers) {
        this.resolver = resolver;
        this.importers = Map.copyOf(importers);
    }

    /** The top-level sections, by key, in the order they are checked. */
    private List<SectionParser<?>> sections() {
        ListsSectionParser lists = new ListsSectionParser(); // before the sections whose rules name lists
        return List.of(lists, new TunnelSectionParser(resolver, importers), new DnsSectionParser(lists), new PacketFilterSectionParser(),
                new FilterSectionParser(resolver, lists), new ProxiesSectionParser(resolver), new OnDemandSectionParser(),
                new MemoryBudgetParser());
    }

    /** Reads and validates the profile at {@code file}. */
    public Profile load(Path file) throws ProfileException {
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES)
                throw new ProfileException(new ProfileError(file, 0, "", "is " + size + " bytes; profiles are limited to " + MAX_FILE_BYTES));
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes((int) MAX_FILE_BYTES + 1);
            }
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ProfileException(new ProfileError(file, 0, "", "is not UTF-8 text"));
        } catch (IOException e) {
            throw new ProfileException(new ProfileError(file, 0, "", "cannot be read: " + describe(e)));
        }
        return parse(text, file);
    }

    /** Validates profile text as if it had been read from {@code source} (which names it in messages and defaults the name). */
    public Profile parse(String yaml, Path source) throws ProfileException {
        Checks checks = new Checks(source);
        if (yaml.startsWith("\uFEFF")) yaml = yaml.substring(1);
        YamlNode root = new YamlTreeReader(checks).read(yaml);
        Profile profile = null;
        if (root != null) {
            try {
                profile = build(root, source, checks);
            } catch (RuntimeException e) { // a bug in a section parser: still answer with a ProfileException
                log.error("internal error checking {}", source, e);
                checks.error(0, "", "internal error while checking the profile (" + e + "); please report this");
            }
        }
        if (!checks.errors().isEmpty()) throw new ProfileException(ProfileException.sorted(checks.errors()));
        if (profile == null) throw new IllegalStateException("no profile and no error for " + source); // a bug here
        return profile;
    }

    private Profile build(YamlNode root, Path source, Checks checks) {
        List<SectionParser<?>> sections = sections();
        List<String> known = new ArrayList<>(OWN_KEYS);
        for (SectionParser<?> s : sections) known.add(s.key());
        if (!(root instanceof YamlNode.MapNode)) {
            checks.error(root, "", "a profile is a mapping with keys " + String.join(", ", known) + "; got " + root.describe());
            return null;
        }
        Checks.Fields f = checks.fields(root, "", known);
        if (f == null) return null;
        int before = checks.errorCount();

        String name = null;
        if (f.has("name")) {
            YamlNode n = f.require("name", "leave 'name' out to use the file name");
            name = checks.string(n, "name");
            if (name != null) {
                name = name.strip();
                String problem = nameProblem(name);
                if (problem != null) checks.error(n, "name", "'" + name + "' " + problem);
            }
        } else {
            name = defaultName(source);
            String problem = nameProblem(name);
            if (problem != null) {
                checks.error(1, "name", "the file name gives the name '" + name + "', which " + problem + "; add a 'name:' key");
            }
        }
        boolean enabled = true;
        if (f.has("enabled")) {
            Boolean b = checks.bool(f.require("enabled", "write true or false"), "enabled");
            if (b != null) enabled = b;
        }

        if (f.has("required")) checks.bool(f.require("required", "write true or false"), "required"); // read by declaresRequired

        Map<String, Object> parsed = new HashMap<>();
        for (SectionParser<?> s : sections) {
            YamlNode node = f.get(s.key());
            if (node == null) continue;
            Object model = s.parse(node, s.key(), checks);
            if (model != null) parsed.put(s.key(), model);
        }
        if (checks.errorCount() > before) return null;
        @SuppressWarnings("unchecked") List<OnDemandRule> onDemand = (List<OnDemandRule>) parsed.get("on-demand");
        return new Profile(name, enabled, source, Optional.ofNullable((TunnelSection) parsed.get("tunnel")),
                Optional.ofNullable((DnsSection) parsed.get("dns")),
                Optional.ofNullable((PacketFilterSection) parsed.get("packet-filter")),
                Optional.ofNullable((FilterSection) parsed.get("filter")),
                Optional.ofNullable((ProxiesSection) parsed.get("proxies")), onDemand,
                Optional.ofNullable((MemoryBudget) parsed.get("memory")));
    }

    /**
     * Whether a profile file that failed to load asks to be required (the daemon then starts nothing): it has a
     * top-level {@code required:} that is not {@code false}. When its YAML cannot be read at all, a top-level line
     * {@code required: …} decides, so a syntax error does not hide the mark; an unreadable file is not required.
     */
    public static boolean declaresRequired(Path file) {
        String text;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) return false;
            text = Files.readString(file);
        } catch (IOException e) {
            return false;
        }
        YamlNode root = new YamlTreeReader(new Checks(file)).read(text.startsWith("\uFEFF") ? text.substring(1) : text);
        if (root instanceof YamlNode.MapNode m) {
            YamlNode.Entry e = m.entries().get("required");
            return e != null && !(e.value() instanceof YamlNode.Scalar s && Boolean.FALSE.equals(s.value()));
        }
        return root == null && text.lines().anyMatch(l -> l.matches("required\\s*:.*")
                && !l.matches("required\\s*:\\s*false\\s*(#.*)?"));
    }

    /** The file name without {@code .yaml}/{@code .yml}. */
    static String defaultName(Path source) {
        Path fn = source.getFileName();
        String n = fn == null ? source.toString() : fn.toString();
        if (n.endsWith(".yaml")) return n.substring(0, n.length() - 5);
        if (n.endsWith(".yml")) return n.substring(0, n.length() - 4);
        return n;
    }

    /** Names appear in commands, logs and file names: letters, digits, '.', '_', '-', at most 64, not starting with '.' or '-'. */
    static String nameProblem(String name) {
        if (name.isEmpty()) return "is empty";
        if (name.length() > 64) return "is longer than 64 characters";
        if (!name.matches("[A-Za-z0-9_][A-Za-z0-9._-]*"))
            return "is not a valid profile name (use letters, digits, '.', '_' and '-', starting with a letter or digit)";
        return null;
    }

    private static String describe(IOException e) {
        return switch (e) {
            case NoSuchFileException x -> "no such file";
            case AccessDeniedException x -> "permission denied";
            default -> e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        };
    }
}
