package dev.netext.dns.split;

import dev.netext.api.dns.DnsDecision;
import dev.netext.api.net.DomainName;

/**
 * One split-DNS rule: names equal to or under {@code domain} get {@code decision} (NRPT and {@code /etc/resolver/}
 * semantics: a suffix match on whole labels; the empty domain matches every name and is the default rule).
 *
 * @param source who declared it: {@code profile}, {@code cli}, {@code tunnel:NAME}
 */
public record SplitRule(String domain, DnsDecision decision, String source) {
    public SplitRule {
        domain = DomainName.normalize(domain);
        if (decision == null) throw new IllegalArgumentException("decision is null");
        if (decision instanceof DnsDecision.Default)
            throw new IllegalArgumentException("a split-DNS rule must forward or block, not defer to the default");
        if (source == null || source.isBlank()) source = "profile";
    }

    /** For logs and events: {@code foo.mycompany.com→corp}, {@code ads.test→block}, {@code *→public}. */
    public String label() {
        String d = source.startsWith(ListRule.LIST_SOURCE) ? source : domain.isEmpty() ? "*" : domain;
        return switch (decision) {
            case DnsDecision.Forward f -> d + "→" + f.serverGroup();
            case DnsDecision.Block b -> d + "→block";
            case DnsDecision.Answer a -> d + "→answer";
            case DnsDecision.Default x -> d + "→default";
        };
    }
}
