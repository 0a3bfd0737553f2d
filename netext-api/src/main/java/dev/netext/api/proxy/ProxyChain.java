package dev.netext.api.proxy;

import dev.netext.api.ProviderKind;
import dev.netext.api.flow.Flow;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;

/**
 * The order in which proxies see flows. In NE, when two transparent proxies (say a corporate proxy and a privacy
 * app) both include a flow, which one gets it is undefined. netext makes it a value:
 *
 * <ol>
 *   <li>Every proxy has an {@code order} from its profile (default 0). Members are sorted by ascending order; equal
 *       orders are sorted by provider name, so the order never depends on start-up timing. App proxies and
 *       transparent proxies share the one chain.</li>
 *   <li>A new flow is offered to the matching members in that order ({@link #candidates}); the first
 *       {@link ClaimDecision.Claim} or {@link ClaimDecision.Reject} ends the walk. If all decline, the flow goes
 *       direct.</li>
 *   <li>A flow a proxy opens itself with its {@linkplain ProxyContext#upstreamMark() upstream mark} is offered only
 *       to the members after that proxy ({@link #candidatesAfter}); so a proxy can run behind another one, and never
 *       sees its own upstream connections. A socket with the {@linkplain dev.netext.api.ProviderContext#bypassMark()
 *       bypass mark} is offered to no proxy.</li>
 * </ol>
 */
public record ProxyChain(List<Member> members) {

    /** One proxy in the chain. */
    public record Member(String provider, ProviderKind kind, int order, ProxyRules rules) {
        public Member {
            if (provider == null || provider.isBlank()) throw new IllegalArgumentException("provider name is empty");
            if (kind != ProviderKind.TRANSPARENT_PROXY && kind != ProviderKind.APP_PROXY)
                throw new IllegalArgumentException(kind + " is not a proxy kind");
            if (rules == null) throw new IllegalArgumentException("rules are null");
            if (kind == ProviderKind.APP_PROXY && rules.apps().isEmpty())
                throw new IllegalArgumentException("app proxy " + provider + " has no app rules");
        }
    }

    /** Ascending order, then provider name. */
    public static final Comparator<Member> ORDER =
            Comparator.comparingInt(Member::order).thenComparing(Member::provider);

    public ProxyChain {
        List<Member> sorted = new ArrayList<>(members);
        sorted.sort(ORDER);
        var names = new HashSet<String>();
        for (Member m : sorted)
            if (!names.add(m.provider())) throw new IllegalArgumentException("proxy " + m.provider() + " appears twice");
        members = List.copyOf(sorted);
    }

    /** The members a new flow is offered to, in offer order. */
    public List<Member> candidates(Flow flow) {
        return members.stream().filter(m -> m.rules().matches(flow)).toList();
    }

    /** The members a flow opened by {@code provider} with its upstream mark is offered to, in offer order. */
    public List<Member> candidatesAfter(String provider, Flow flow) {
        int i = indexOf(provider);
        return members.subList(i + 1, members.size()).stream().filter(m -> m.rules().matches(flow)).toList();
    }

    /** The position of {@code provider} in the chain, 0 first. */
    public int indexOf(String provider) {
        for (int i = 0; i < members.size(); i++) if (members.get(i).provider().equals(provider)) return i;
        throw new IllegalArgumentException("no proxy named " + provider + " in the chain");
    }
}
