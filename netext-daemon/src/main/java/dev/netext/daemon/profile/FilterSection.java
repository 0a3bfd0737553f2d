package dev.netext.daemon.profile;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.api.flow.Direction;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.linux.tproxy.InterceptionConfig;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A profile's {@code filter:} section: the flow layer's content filter over intercepted TCP flows.
 *
 * <pre>
 * filter:
 *   provider: rules                          # the built-in ordered rules filter (the default)
 *   rules:
 *     - { host: "*.blocked.test", action: drop }
 *     - { process: /usr/bin/wget, action: drop }
 *     - { cidr: 203.0.113.0/24, port: 443, action: prompt }
 *     - { direction: in, port: 8000, action: prompt }   # a connection another host opens to a local service
 *   default: allow
 *   inbound-default: allow                   # inbound flows no rule matches (allow unless set)
 *   prompt-timeout: 30s
 *   prompt-default: drop
 *   drop: reset                              # or silent
 *   scope: { uids: [1000], gids: [], cgroups: [user.slice], exclude-uids: [] }
 *   udp: true                                # intercept UDP (QUIC named by SNI) as well as TCP; the default
 *   gateway: [lan0]                          # gateway mode: also filter traffic forwarded in through these interfaces
 *   fast-path: true                          # the default: flows judged from their opening bytes stay in the kernel,
 *                                            # gateway (forwarded) ones too where the namespace forwards their family
 *                                            # (false: every TCP and UDP flow is terminated and relayed)
 * </pre>
 *
 * or a custom {@code FilterDataProvider}, by class name or by the name its plugin jar announces in
 * {@code META-INF/services}, from the class path or {@code plugins/*.jar} (found as tunnel providers are):
 * <pre>
 * filter:
 *   provider: com.example.MyFilter
 *   settings: { blocked-port: 8081 }         # handed to startFilter as its options
 *   on-failure: allow                        # the verdict while the provider is crashed or restarting (or drop)
 *   inbound: true                            # also show it connections other hosts open to local services
 *   drop: reset
 *   scope: { … }
 * </pre>
 * A custom provider takes no {@code rules}, {@code default} or {@code prompt-*}: those belong to the rules filter.
 * Inbound flows are judged only when the rules filter has a {@code direction: in} rule or an {@code inbound-default}
 * other than allow, or a custom provider says {@code inbound: true}; else inbound connections are not touched.
 */
public record FilterSection(String provider, List<FlowRule> rules, RuleAction defaultAction, Duration promptTimeout,
                            FinalVerdict promptDefault, DropMode dropMode, InterceptionConfig.Scope scope, boolean udp,
                            List<String> gateway, Map<String, Object> settings, FinalVerdict onFailure,
                            RuleAction inboundDefault, boolean inbound, boolean fastPath) {
    /** The built-in ordered rules filter. */
    public static final String RULES = "rules";

    public FilterSection {
        gateway = List.copyOf(gateway == null ? List.of() : gateway);
        Objects.requireNonNull(provider, "provider");
        settings = settings == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        if (onFailure == null) onFailure = FinalVerdict.ALLOW;
        if (inboundDefault == null) inboundDefault = RuleAction.ALLOW;
        rules = List.copyOf(rules);
        Objects.requireNonNull(defaultAction, "defaultAction");
        Objects.requireNonNull(promptTimeout, "promptTimeout");
        Objects.requireNonNull(promptDefault, "promptDefault");
        Objects.requireNonNull(dropMode, "dropMode");
        if (scope == null) scope = InterceptionConfig.Scope.ALL;
    }

    /** UDP intercepted, no gateway interfaces, no settings, the failure verdict allow. */
    public FilterSection(String provider, List<FlowRule> rules, RuleAction defaultAction, Duration promptTimeout,
                         FinalVerdict promptDefault, DropMode dropMode, InterceptionConfig.Scope scope) {
        this(provider, rules, defaultAction, promptTimeout, promptDefault, dropMode, scope, true, List.of());
    }

    /** No settings, the failure verdict allow. */
    public FilterSection(String provider, List<FlowRule> rules, RuleAction defaultAction, Duration promptTimeout,
                         FinalVerdict promptDefault, DropMode dropMode, InterceptionConfig.Scope scope, boolean udp,
                         List<String> gateway) {
        this(provider, rules, defaultAction, promptTimeout, promptDefault, dropMode, scope, udp, gateway, Map.of(),
                FinalVerdict.ALLOW);
    }

    /** Inbound flows judged only by {@code direction: in} rules; the fast path on. */
    public FilterSection(String provider, List<FlowRule> rules, RuleAction defaultAction, Duration promptTimeout,
                         FinalVerdict promptDefault, DropMode dropMode, InterceptionConfig.Scope scope, boolean udp,
                         List<String> gateway, Map<String, Object> settings, FinalVerdict onFailure) {
        this(provider, rules, defaultAction, promptTimeout, promptDefault, dropMode, scope, udp, gateway, settings,
                onFailure, RuleAction.ALLOW, false, true);
    }

    /** UDP intercepted, no gateway interfaces. */
    public FilterSection(String provider, List<FlowRule> rules, RuleAction defaultAction, Duration promptTimeout,
                         FinalVerdict promptDefault, DropMode dropMode, InterceptionConfig.Scope scope,
                         Map<String, Object> settings, FinalVerdict onFailure) {
        this(provider, rules, defaultAction, promptTimeout, promptDefault, dropMode, scope, true, List.of(), settings,
                onFailure);
    }

    /**
     * Whether connections other hosts open to local services are judged: a custom provider's {@code inbound: true},
     * or the rules filter's {@code direction: in} rules or inbound default.
     */
    public boolean judgesInbound() {
        return isRules() ? inboundDefault != RuleAction.ALLOW
                || rules.stream().anyMatch(r -> r.direction() == Direction.INBOUND) : inbound;
    }

    /** True for the built-in rules filter, false for a custom provider class. */
    public boolean isRules() { return provider.equals(RULES); }
}
