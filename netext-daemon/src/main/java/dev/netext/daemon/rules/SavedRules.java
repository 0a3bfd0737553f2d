package dev.netext.daemon.rules;

import dev.netext.api.flow.Flow;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The daemon's saved rules: the rules file ({@link RulesFile}) plus the "until restart" rules that live in memory
 * only. Every flow filter of the daemon reads {@link #decide} per flow, before its profile's rules; a change is
 * written at once (atomic replace). Expired rules stop matching at once and are removed by {@link #expire} (the
 * daemon's timer) or the next change.
 */
public final class SavedRules {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** The message a filter publishes (flow id, {@code rule}, {@code action}) when a saved rule decided a flow. */
    public static final String DECIDED_MESSAGE = "filter.saved-rule";

    private final Path file;
    private final Supplier<Instant> clock;
    private volatile List<SavedRule> rules = List.of(); // replaced whole: a reader never sees half a change

    /** Rules kept in {@code file} (null: in memory only, as in tests of a filter alone). */
    public SavedRules(Path file, Supplier<Instant> clock) {
        this.file = file;
        this.clock = clock;
    }

    /** In memory only. */
    public static SavedRules inMemory() { return new SavedRules(null, Instant::now); }

    /** The rules file of a daemon whose state dir is {@code stateDir}: {@code /var/lib/netext/rules.json} for the
     *  default {@code /run/netext}, else {@code rules.json} in the given (private) state dir. */
    public static Path fileFor(Path stateDir) {
        return stateDir.equals(Path.of("/run/netext")) ? Path.of("/var/lib/netext/rules.json") : stateDir.resolve("rules.json");
    }

    public Path file() { return file; }

    /** What happened to a corrupt rules file at {@link #load}. */
    public record Corrupt(String problem, Path movedTo) {}

    /**
     * (Re)reads the file, keeping the in-memory ("until restart") rules. A corrupt file is renamed to
     * {@code rules.json.corrupt-<time>} and its problem ({@code file:line: …}) returned; the daemon then runs with no
     * saved rules from it.
     */
    public synchronized Optional<Corrupt> load() throws IOException {
        if (file == null) return Optional.empty();
        List<SavedRule> read;
        Corrupt corrupt = null;
        try {
            read = RulesFile.read(file);
        } catch (RulesFile.CorruptRulesException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + STAMP.format(clock.get()));
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            corrupt = new Corrupt(e.getMessage(), aside);
            read = List.of();
        }
        List<SavedRule> next = new ArrayList<>(read);
        for (SavedRule r : rules) if (!r.persistent()) next.add(r);
        rules = List.copyOf(next);
        return Optional.ofNullable(corrupt);
    }

    /** The rule that decides {@code flow} of {@code profile}: the first live one that matches, or null. */
    public SavedRule decide(String profile, Flow flow) {
        Instant now = clock.get();
        for (SavedRule r : rules) if (r.matches(profile, flow, now)) return r;
        return null;
    }

    /** Whether a rule that may apply to {@code profile} names a program (expired ones too: cheaper, and harmless). */
    public boolean namesProcess(String profile) {
        for (SavedRule r : rules)
            if (r.process() != null && (r.profile() == null || r.profile().equals(profile))) return true;
        return false;
    }

    /** The live rules, in the order they are tried. */
    public List<SavedRule> list() {
        Instant now = clock.get();
        return rules.stream().filter(r -> r.live(now)).toList();
    }

    /**
     * Adds {@code rule} — replacing a rule with the same matchers, so a later answer wins — and saves the file when
     * it is persistent.
     */
    public synchronized SavedRule add(SavedRule rule) throws IOException {
        List<SavedRule> next = new ArrayList<>(rules);
        next.removeIf(r -> r.sameMatch(rule) || r.id().equals(rule.id()));
        next.addFirst(rule); // the newest decision first: it is the one the person meant
        commit(next);
        return rule;
    }

    /** Removes the rule {@code id}; false when there is none. */
    public synchronized boolean delete(String id) throws IOException {
        List<SavedRule> next = new ArrayList<>(rules);
        if (!next.removeIf(r -> r.id().equals(id))) return false;
        commit(next);
        return true;
    }

    /** Removes the expired rules, saving the file if one was in it; returns them. */
    public synchronized List<SavedRule> expire() throws IOException {
        Instant now = clock.get();
        List<SavedRule> gone = rules.stream().filter(r -> !r.live(now)).toList();
        if (!gone.isEmpty()) commit(rules.stream().filter(r -> r.live(now)).toList());
        return gone;
    }

    /** A fresh short id (8 hex digits), unused by any rule here. */
    public String newId() {
        while (true) {
            byte[] b = new byte[4];
            RANDOM.nextBytes(b);
            String id = HexFormat.of().formatHex(b);
            if (rules.stream().noneMatch(r -> r.id().equals(id))) return id;
        }
    }

    public Instant now() { return clock.get(); }

    private void commit(List<SavedRule> next) throws IOException {
        Instant now = clock.get();
        List<SavedRule> kept = next.stream().filter(r -> r.live(now)).toList();
        List<SavedRule> written = kept.stream().filter(SavedRule::persistent).toList();
        // only a change to the file's rules writes it: an "until restart" rule never touches the file
        if (file != null && !written.equals(rules.stream().filter(SavedRule::persistent).toList()))
            RulesFile.write(file, written);
        rules = kept;
    }
}
