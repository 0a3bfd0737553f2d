package dev.netext.dns.split;

import dev.netext.api.dns.DnsDecision;
import dev.netext.dns.lists.WatchedList;

/**
 * A split-DNS rule over a block list: names the list holds get {@code decision} (a block). List rules are consulted
 * after the domain rules, and only when no domain rule but the default matched — so a {@code domains:} rule that
 * forwards a name to a group is also how one name is let through a list ("allow-list" by routing).
 *
 * @param list     the list, reloaded when its file changes
 * @param decision what a listed name gets: NXDOMAIN, REFUSED or a sinkhole
 */
public record ListRule(WatchedList list, DnsDecision decision) {
    public ListRule {
        if (!(decision instanceof DnsDecision.Block))
            throw new IllegalArgumentException("a list rule blocks (nxdomain, refused or sinkhole), not " + decision);
    }

    /** The split rule events and logs report for a listed name: {@code list:ads→block}. */
    SplitRule asSplitRule() { return new SplitRule("", decision, LIST_SOURCE + list.name()); }

    static final String LIST_SOURCE = "list:";
}
