package dev.netext.daemon.rules;

import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.PortRange;
import dev.netext.api.net.IpPrefix;
import dev.netext.flow.rules.FlowRule;
import dev.netext.flow.rules.RuleAction;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * A decision that outlives the flow it was made for: a prompt's "always", "for 1 hour" or "until restart" answer, or
 * a rule added with {@code netext rules add}. It is tried before the profile's own rules.
 *
 * @param id         short stable id ({@code netext rules delete ID})
 * @param action     {@code allow} or {@code drop}
 * @param host       exact name or {@code *.suffix}, or null
 * @param process    executable path, or null
 * @param cidr       remote prefix, or null
 * @param port       remote port (an inbound rule's: the local service's), or null
 * @param profile    the profile it applies to, or null for every profile
 * @param created    when it was made
 * @param expires    when it stops matching, or null for never
 * @param source     {@code prompt} or {@code cli}
 * @param persistent whether it is kept in the rules file ("until restart" answers are not)
 * @param direction  the flows it decides: outbound (null means so too) or inbound (an answer to an inbound prompt)
 */
public record SavedRule(String id, RuleAction action, String host, Path process, IpPrefix cidr, Integer port,
                        String profile, Instant created, Instant expires, String source, boolean persistent,
                        Direction direction) {
    /** An outbound rule. */
    public SavedRule(String id, RuleAction action, String host, Path process, IpPrefix cidr, Integer port, String profile,
                     Instant created, Instant expires, String source, boolean persistent) {
        this(id, action, host, process, cidr, port, profile, created, expires, source, persistent, Direction.OUTBOUND);
    }

    public SavedRule {
        if (direction == null) direction = Direction.OUTBOUND;
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(created, "created");
        if (action != RuleAction.ALLOW && action != RuleAction.DROP)
            throw new IllegalArgumentException("a saved rule allows or drops, not " + action);
        if (host == null && process == null && cidr == null && port == null)
            throw new IllegalArgumentException("a saved rule needs a host, process, cidr or port");
        if (port != null && (port < 1 || port > 65535)) throw new IllegalArgumentException("port " + port + " is not 1-65535");
        if (!"prompt".equals(source) && !"cli".equals(source)) throw new IllegalArgumentException("source " + source);
        if (host != null) host = FlowRule.of(action).withHost(host).host(); // normalized, and refused here if malformed
    }

    /** The flow layer's matcher of this rule (the same host, cidr, port and process semantics as profile rules). */
    public FlowRule asFlowRule() {
        FlowRule r = FlowRule.of(action).withDirection(direction);
        if (host != null) r = r.withHost(host);
        if (process != null) r = r.withProcessPath(process);
        if (cidr != null) r = r.withCidr(cidr);
        if (port != null) r = r.withPort(new PortRange(port, port));
        return r;
    }

    /** Whether this rule still holds at {@code now}. */
    public boolean live(Instant now) { return expires == null || now.isBefore(expires); }

    /** Whether this rule decides {@code flow} of {@code profileName} at {@code now}. */
    public boolean matches(String profileName, Flow flow, Instant now) {
        return live(now) && (profile == null || profile.equals(profileName)) && asFlowRule().matches(flow);
    }

    /** Same matchers (and profile), whatever the id, action, times and source. */
    public boolean sameMatch(SavedRule o) {
        return Objects.equals(host, o.host) && Objects.equals(process, o.process) && Objects.equals(cidr, o.cidr)
                && Objects.equals(port, o.port) && Objects.equals(profile, o.profile) && direction == o.direction;
    }

    /** {@code allow} or {@code deny}, as the CLI and the file spell it. */
    public String actionName() { return action == RuleAction.ALLOW ? "allow" : "deny"; }
}
