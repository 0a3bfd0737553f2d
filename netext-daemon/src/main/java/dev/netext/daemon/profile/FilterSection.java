package dev.netext.daemon.profile;

import dev.netext.api.filter.DropMode;
import dev.netext.api.filter.FinalVerdict;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;
import dev.netext.linux.tproxy.InterceptionConfig;

import java.time.Duration;
import java.util.List;
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
 *   default: allow
 *   prompt-timeout: 30s
 *   prompt-default: drop
 *   drop: reset                              # or silent
 *   scope: { uids: [1000], gids: [], cgroups: [user.slice], exclude-uids: [] }
 *   udp: true                                # intercept UDP (QUIC named by SNI) as well as TCP; the default
 *   gateway: [lan0]                          # gateway mode: also filter traffic forwarded in through these interfaces
 * </pre>
 */
public record FilterSection(String provider, List<FlowRule> rules, RuleAction defaultAction, Duration promptTimeout,
                            FinalVerdict promptDefault, DropMode dropMode, InterceptionConfig.Scope scope, boolean udp,
                            List<String> gateway) {
    /** UDP intercepted, no gateway interfaces. */
    public FilterSection(String provider, List<FlowRule> rules, RuleAction defaultAction, Duration promptTimeout,
                         FinalVerdict promptDefault, DropMode dropMode, InterceptionConfig.Scope scope) {
        this(provider, rules, defaultAction, promptTimeout, promptDefault, dropMode, scope, true, List.of());
    }

    public FilterSection {
        gateway = List.copyOf(gateway == null ? List.of() : gateway);
        Objects.requireNonNull(provider, "provider");
        rules = List.copyOf(rules);
        Objects.requireNonNull(defaultAction, "defaultAction");
        Objects.requireNonNull(promptTimeout, "promptTimeout");
        Objects.requireNonNull(promptDefault, "promptDefault");
        Objects.requireNonNull(dropMode, "dropMode");
        if (scope == null) scope = InterceptionConfig.Scope.ALL;
    }
}
