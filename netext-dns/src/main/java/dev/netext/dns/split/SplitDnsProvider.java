package dev.netext.dns.split;

import dev.netext.api.dns.DnsDecision;
import dev.netext.api.dns.DnsProxyContext;
import dev.netext.api.dns.DnsProxyProvider;
import dev.netext.api.dns.DnsQuery;
import dev.netext.api.net.DomainName;
import dev.netext.api.tunnel.StopReason;
import dev.netext.dns.wire.Names;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The built-in split-DNS provider: Windows NRPT / macOS {@code /etc/resolver/} semantics. Each query goes by the rule
 * whose domain is the longest suffix of the name (on whole labels); no rule matches → the default server group.
 * Rules come in sets by source (the profile, the CLI, each tunnel that is up): {@link #setRules} replaces a source's
 * set, {@link #removeRules} drops it, and on equal domains the most recently set source wins — so a tunnel's
 * {@code match-domains} override the profile's rules for those domains while it is up, and a tunnel without match
 * domains becomes the default.
 *
 * <p>Deciding is a table lookup with no blocking ({@link #decidesWithoutBlocking}), so the host runs it on its I/O
 * threads; {@link #matchWire} does it on the wire-format name without decoding it. Block lists ({@link #setLists})
 * come after the domain rules: a name only the default rule covers is looked up in each list in turn, without
 * allocating ({@link dev.netext.dns.lists.DomainSet}).
 */
public final class SplitDnsProvider implements DnsProxyProvider {
    public static final String PROFILE = "profile";

    private final Map<String, List<SplitRule>> sources = new LinkedHashMap<>(); // guarded by this
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    private volatile SuffixTable table;
    private volatile List<SplitRule> effective = List.of();
    private volatile BoundList[] lists = new BoundList[0];

    /** A list rule with the split rule reported when it matches (built once, not per blocked query). */
    private record BoundList(ListRule rule, SplitRule reported) {}

    /** @param defaultGroup where names no rule covers go (the profile's {@code default:}) */
    public SplitDnsProvider(List<SplitRule> rules, String defaultGroup) {
        List<SplitRule> all = new ArrayList<>();
        all.add(new SplitRule("", DnsDecision.forward(defaultGroup), PROFILE));
        all.addAll(rules);
        setRules(PROFILE, all);
    }

    /** Replaces the rules of {@code source}; they take precedence over other sources' rules for the same domains. */
    public void setRules(String source, List<SplitRule> rules) {
        synchronized (this) {
            sources.remove(source);
            sources.put(source, List.copyOf(rules));
            rebuild();
        }
        changeListeners.forEach(Runnable::run);
    }

    /** Removes the rules of {@code source} (a tunnel went down). */
    public void removeRules(String source) {
        synchronized (this) {
            if (sources.remove(source) == null) return;
            rebuild();
        }
        changeListeners.forEach(Runnable::run);
    }

    private void rebuild() {
        List<SplitRule> all = new ArrayList<>();
        sources.values().forEach(all::addAll);
        effective = List.copyOf(all);
        table = new SuffixTable(all);
    }

    /**
     * Sets the block-list rules, tried in order for names that only the default rule (the empty domain) covers; the
     * first list that holds the name decides.
     */
    public void setLists(List<ListRule> rules) {
        lists = rules.stream().map(r -> new BoundList(r, r.asSplitRule())).toArray(BoundList[]::new);
    }

    /** The block-list rules in order. */
    public List<ListRule> lists() { return Arrays.stream(lists).map(BoundList::rule).toList(); }

    /** Called after every rule change (the host drops its cache: which server answers a name may have changed). */
    public void onChange(Runnable listener) { changeListeners.add(listener); }

    /** All rules in precedence order (later wins on equal domains). */
    public List<SplitRule> rules() { return effective; }

    /** The rule for a text name. */
    public SplitRule match(String name) {
        byte[] wire = Names.encode(DomainName.normalize(name));
        return matchWire(wire, 0, wire.length);
    }

    /** The rule for the wire-format name {@code b[start, end)}; never null (the default rule matches everything). */
    public SplitRule matchWire(byte[] b, int start, int end) {
        SplitRule r = table.match(b, start, end);
        if (r == null) throw new IllegalStateException("no default rule"); // the constructor always adds one
        if (r.domain().isEmpty()) {
            BoundList[] l = lists;
            for (BoundList bound : l)
                if (bound.rule().list().containsWire(b, start, end)) return bound.reported();
        }
        return r;
    }

    @Override public void startProxy(DnsProxyContext context, Map<String, Object> options) {}

    @Override public void stopProxy(StopReason reason) {}

    @Override
    public DnsDecision handleQuery(DnsQuery query) { return match(query.name()).decision(); }

    @Override
    public boolean decidesWithoutBlocking() { return true; }
}
