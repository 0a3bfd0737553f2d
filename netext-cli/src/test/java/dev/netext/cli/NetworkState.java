package dev.netext.cli;

import dev.netext.linux.netns.NetworkNamespace;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A namespace's links, addresses, routes (all tables) and rules as {@code ip} prints them, with volatile details
 * removed, so "after" can be compared with "before" to prove nothing was left behind.
 */
record NetworkState(String links, String addresses, String routes, String rules) {

    static NetworkState of(NetworkNamespace ns) throws IOException {
        return new NetworkState(
                clean(ns.ip("-o", "link", "show").orThrow().output()),
                clean(ns.ip("-o", "addr", "show").orThrow().output()),
                clean(ns.ip("route", "show", "table", "all").orThrow().output()
                        + ns.ip("-6", "route", "show", "table", "all").orThrow().output()),
                clean(ns.ip("rule", "show").orThrow().output() + ns.ip("-6", "rule", "show").orThrow().output()));
    }

    private static String clean(String text) {
        return text.lines()
                .map(l -> l.replaceAll("valid_lft \\S+ preferred_lft \\S+", "").replaceAll("\\s+", " ").strip())
                .filter(l -> !l.isEmpty())
                .sorted()
                .collect(Collectors.joining("\n"));
    }

    boolean mentionsNetext() {
        return List.of(links, addresses, routes, rules).stream().anyMatch(s -> s.contains("netext") || s.contains("0x4e58") || s.contains("520"));
    }
}
