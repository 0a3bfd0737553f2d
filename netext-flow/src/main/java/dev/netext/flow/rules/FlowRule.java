package dev.netext.flow.rules;

import dev.netext.api.flow.Direction;
import dev.netext.api.flow.Flow;
import dev.netext.api.flow.HostnameInfo;
import dev.netext.api.flow.PortRange;
import dev.netext.api.flow.TransportProtocol;
import dev.netext.api.net.DomainName;
import dev.netext.api.net.IpPrefix;

import java.nio.file.Path;
import java.util.Locale;

/**
 * One rule of the {@code rules} filter. Every selector that is set (non-null) must match; a selector on an attribute
 * the flow lacks (no hostname known, process not attributed) does not match, so a drop rule on a name never fires on
 * a guess and an allow rule on a process never lets an unattributed flow through.
 *
 * <p>A rule applies to one {@code direction}: outbound flows (opened by a local process; the default, so rules
 * written before inbound flows existed keep their meaning) or inbound ones (another host connecting to a local
 * listening service, whose process is the server). For an inbound flow {@code port} is the local service's port and
 * {@code cidr} the connecting client's address; {@code host} is the client's name when netext knows one.
 *
 * @param host        exact name, {@code *.suffix} (strictly below suffix) or {@code *}
 * @param cidr        the remote address lies in it
 * @param port        the remote port lies in it (inbound: the local, listening port)
 * @param protocol    TCP or UDP ({@code ANY} = null)
 * @param processPath the executable's path, exactly
 * @param processName the executable's file name
 * @param uid         the process's (or socket's) uid
 * @param cgroup      the process's cgroup v2 path is this or below it
 * @param list        the flow's host name is in the list, or its remote address in one of the list's prefixes
 * @param direction   the flows the rule applies to; null is {@link Direction#OUTBOUND}
 */
public record FlowRule(String host, IpPrefix cidr, PortRange port, TransportProtocol protocol, Path processPath,
                       String processName, Long uid, String cgroup, FlowList list, RuleAction action,
                       Direction direction) {

    /** An outbound rule. */
    public FlowRule(String host, IpPrefix cidr, PortRange port, TransportProtocol protocol, Path processPath,
                    String processName, Long uid, String cgroup, FlowList list, RuleAction action) {
        this(host, cidr, port, protocol, processPath, processName, uid, cgroup, list, action, Direction.OUTBOUND);
    }

    /** An outbound rule without a list. */
    public FlowRule(String host, IpPrefix cidr, PortRange port, TransportProtocol protocol, Path processPath,
                    String processName, Long uid, String cgroup, RuleAction action) {
        this(host, cidr, port, protocol, processPath, processName, uid, cgroup, null, action);
    }

    public FlowRule {
        if (action == null) throw new IllegalArgumentException("action is required");
        if (direction == null) direction = Direction.OUTBOUND;
        if (host != null) host = DomainName.normalizePattern(host);
        if (cidr != null) cidr = cidr.network();
        if (protocol == TransportProtocol.ANY) protocol = null;
        if (cgroup != null && !cgroup.startsWith("/")) throw new IllegalArgumentException("cgroup must be an absolute path: " + cgroup);
    }

    public boolean matches(Flow f) {
        if (f.direction() != direction) return false;
        if (host != null) {
            HostnameInfo h = f.hostname().orElse(null);
            if (h == null || !DomainName.matchesPattern(h.hostname(), host)) return false;
        }
        if (cidr != null && !cidr.contains(f.remote().address())) return false;
        if (list != null && !inList(f)) return false;
        if (port != null && !port.contains(servicePort(f))) return false;
        if (protocol != null && protocol != f.protocol()) return false;
        if (processPath != null && !f.process().executable().map(processPath::equals).orElse(false)) return false;
        if (processName != null && !f.process().executable()
                .map(p -> p.getFileName() != null && p.getFileName().toString().equals(processName)).orElse(false))
            return false;
        if (uid != null && (f.process().uid().isEmpty() || f.process().uid().getAsLong() != uid)) return false;
        if (cgroup != null && !f.process().cgroupPath()
                .map(c -> c.equals(cgroup) || c.startsWith(cgroup.endsWith("/") ? cgroup : cgroup + "/")).orElse(false))
            return false;
        return true;
    }

    /** The port a rule's {@code port} names: the remote one of an outbound flow, the local service's of an inbound. */
    static int servicePort(Flow f) {
        return f.direction() == Direction.INBOUND ? f.local().port() : f.remote().port();
    }

    /**
     * Whether this rule may match {@code f} once its bytes name it: as {@link #matches}, except that a host or list
     * selector may still match a flow that has no name yet (its TLS SNI or HTTP Host comes later).
     */
    public boolean mayMatch(Flow f) {
        if (f.hostname().isPresent()) return matches(f);
        return (host == null && list == null ? this : withHost(null).withList(null)).matches(f);
    }

    private boolean inList(Flow f) {
        HostnameInfo h = f.hostname().orElse(null);
        return (h != null && list.containsHost(h.hostname())) || list.containsAddress(f.remote().address());
    }

    /** A rule with only an action, for building with the {@code with…} methods. */
    public static FlowRule of(RuleAction action) {
        return new FlowRule(null, null, null, null, null, null, null, null, action);
    }

    /**
     * The selectors that are set, as {@code key=value} words in profile-key order ({@code host=*.example.com port=443
     * process=/usr/bin/curl}), or {@code *} for a rule that matches every flow: how a person recognizes the rule.
     */
    public String describe() {
        StringBuilder b = new StringBuilder();
        word(b, "host", host);
        word(b, "cidr", cidr);
        word(b, "port", port);
        word(b, "protocol", protocol == null ? null : protocol.name().toLowerCase(Locale.ROOT));
        word(b, "process", processPath);
        word(b, "process-name", processName);
        word(b, "uid", uid);
        word(b, "cgroup", cgroup);
        word(b, "list", list == null ? null : list.name());
        return b.isEmpty() ? "*" : b.toString();
    }

    private static void word(StringBuilder b, String key, Object value) {
        if (value != null) b.append(b.isEmpty() ? "" : " ").append(key).append('=').append(value);
    }

    /** Whether this rule selects on anything process attribution provides. */
    public boolean needsProcess() {
        return processPath != null || processName != null || uid != null || cgroup != null;
    }

    /** This rule without its process selectors: what it may match before the flow's process is known. */
    public FlowRule withoutProcess() {
        return needsProcess() ? new FlowRule(host, cidr, port, protocol, null, null, null, null, list, action, direction) : this;
    }

    public FlowRule withHost(String h) { return new FlowRule(h, cidr, port, protocol, processPath, processName, uid, cgroup, list, action, direction); }
    public FlowRule withCidr(IpPrefix c) { return new FlowRule(host, c, port, protocol, processPath, processName, uid, cgroup, list, action, direction); }
    public FlowRule withPort(PortRange p) { return new FlowRule(host, cidr, p, protocol, processPath, processName, uid, cgroup, list, action, direction); }
    public FlowRule withProtocol(TransportProtocol p) { return new FlowRule(host, cidr, port, p, processPath, processName, uid, cgroup, list, action, direction); }
    public FlowRule withProcessPath(Path p) { return new FlowRule(host, cidr, port, protocol, p, processName, uid, cgroup, list, action, direction); }
    public FlowRule withProcessName(String n) { return new FlowRule(host, cidr, port, protocol, processPath, n, uid, cgroup, list, action, direction); }
    public FlowRule withUid(Long u) { return new FlowRule(host, cidr, port, protocol, processPath, processName, u, cgroup, list, action, direction); }
    public FlowRule withList(FlowList l) { return new FlowRule(host, cidr, port, protocol, processPath, processName, uid, cgroup, l, action, direction); }
    public FlowRule withDirection(Direction d) { return new FlowRule(host, cidr, port, protocol, processPath, processName, uid, cgroup, list, action, d); }
    public FlowRule withCgroup(String c) { return new FlowRule(host, cidr, port, protocol, processPath, processName, uid, c, list, action, direction); }
}
