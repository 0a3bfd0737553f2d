package dev.netext.daemon.diagnose;

import dev.netext.api.net.IpFamily;
import dev.netext.linux.nfqueue.Iptables;
import dev.netext.linux.nft.Nft;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What netext may have left in netfilter: its nftables tables (named {@code netext…}: DNS interception, the flow
 * layer, captures) with their rules, and the iptables rules of its packet filters ({@code NETEXT-…} chains).
 *
 * @param nftTables {@code "family name"} → the table as {@code nft list table} prints it, for tables named netext…
 * @param iptables  per family, the {@code iptables -S} lines (tables filter and mangle) that define or jump to a
 *                  {@code NETEXT-} chain
 */
public record NetfilterState(Map<String, String> nftTables, Map<IpFamily, List<String>> iptables) {
    public static final NetfilterState EMPTY = new NetfilterState(Map.of(), Map.of());
    /** Statements that send a packet somewhere else than where it was going (or nowhere). */
    private static final Pattern DIVERTS = Pattern.compile(
            "\\b(tproxy|redirect|dnat|queue|drop|reject)\\b|\\bmark set\\b");

    public NetfilterState {
        nftTables = Map.copyOf(nftTables);
        iptables = Map.copyOf(iptables);
    }

    /** Reads this namespace's netext tables and chains; what cannot be read is added to {@code errors}. */
    static NetfilterState read(List<String> errors) {
        Map<String, String> tables = new TreeMap<>();
        Nft nft = new Nft();
        try {
            for (String t : nft.listTables()) {
                String[] fn = t.split(" ");
                if (fn[1].startsWith("netext")) tables.put(t, nft.listTable(fn[0], fn[1]));
            }
        } catch (IOException e) {
            errors.add("nftables: " + e.getMessage());
        }
        Map<IpFamily, List<String>> chains = new EnumMap<>(IpFamily.class);
        Iptables iptables = new Iptables();
        for (IpFamily f : IpFamily.values()) {
            List<String> lines = new ArrayList<>();
            // filter (packet filters, inbound resets) and mangle (the inbound queue): netext's chain names are unique
            for (List<String> args : List.of(List.of("-S"), List.of("-t", "mangle", "-S"))) {
                try {
                    Iptables.Result r = iptables.tryRun(f, args);
                    if (r.exit() != 0) {
                        errors.add(Iptables.command(f) + " " + String.join(" ", args) + ": " + r.output().strip());
                        continue;
                    }
                    r.output().lines().filter(l -> l.contains("NETEXT-")).forEach(lines::add);
                } catch (IOException e) {
                    errors.add(Iptables.command(f) + ": " + e.getMessage());
                }
            }
            chains.put(f, List.copyOf(lines));
        }
        return new NetfilterState(tables, chains);
    }

    public boolean hasTable(String family, String name) { return nftTables.containsKey(family + " " + name); }

    /** Whether table {@code "family name"} redirects, marks, queues or drops packets (not only logs them). */
    public boolean tableDiverts(String familyName) {
        String text = nftTables.getOrDefault(familyName, "");
        return DIVERTS.matcher(text).find();
    }

    /** The {@code NETEXT-} chains of {@code family} ({@code -N NETEXT-PF-7-OUT}). */
    public Set<String> chains(IpFamily family) {
        Set<String> out = new TreeSet<>();
        for (String l : iptables.getOrDefault(family, List.of())) if (l.startsWith("-N ")) out.add(l.substring(3).strip());
        return out;
    }

    /** Whether {@code iptables -S} has exactly {@code rule} ({@code "-A OUTPUT -j NETEXT-PF-7-OUT"}). */
    public boolean hasRule(IpFamily family, String rule) {
        return iptables.getOrDefault(family, List.of()).contains(rule);
    }

    /**
     * Whether {@code chain} sends packets to a netfilter queue without {@code --queue-bypass}: while no process
     * reads the queue, the kernel drops them.
     */
    public boolean chainDropsWithoutReader(IpFamily family, String chain) {
        List<String> rules = new ArrayList<>();
        for (String l : iptables.getOrDefault(family, List.of())) if (l.startsWith("-A " + chain + " ")) rules.add(l);
        return rules.stream().anyMatch(l -> l.contains("-j NFQUEUE") && !l.contains("--queue-bypass"));
    }
}
