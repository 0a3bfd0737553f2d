package dev.netext.linux.netlink;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;

import static dev.netext.linux.netlink.FibRulesH.*;

/**
 * A policy routing rule as {@code RTM_NEWRULE} describes it ({@code struct fib_rule_hdr} and {@code FRA_*} from
 * {@code linux/fib_rules.h}). What {@code wg-quick} installs:
 * <pre>
 * Rule.lookup(V4, 51820).withFwmark(0xca6c).inverted()           // ip rule add not fwmark 0xca6c table 51820
 * Rule.lookup(V4, 254).withSuppressPrefixLength(0)               // ip rule add table main suppress_prefixlength 0
 * </pre>
 *
 * @param family               address family
 * @param priority             {@code FRA_PRIORITY}, or -1 to let the kernel pick (adding) or match any (deleting)
 * @param fwmark               {@code FRA_FWMARK}; with {@code fwmask} both 0 the rule does not match on marks
 * @param fwmask               {@code FRA_FWMASK}
 * @param table                {@code FRA_TABLE}, 0 for none
 * @param suppressPrefixLength {@code FRA_SUPPRESS_PREFIXLEN}, -1 for none
 * @param invert               {@code FIB_RULE_INVERT}: the selector is negated ({@code ip rule add not …})
 * @param action               {@code fib_rule_hdr.action}
 * @param gotoTarget           {@code FRA_GOTO}: priority to continue at for {@link Action#GOTO}, else 0
 * @param from                 {@code FRA_SRC} with {@code src_len}, or null for all
 * @param to                   {@code FRA_DST} with {@code dst_len}, or null for all
 * @param iifName              {@code FRA_IIFNAME}, or null
 * @param oifName              {@code FRA_OIFNAME}, or null
 */
public record Rule(IpFamily family, int priority, int fwmark, int fwmask, int table, int suppressPrefixLength,
                   boolean invert, Action action, int gotoTarget, IpPrefix from, IpPrefix to, String iifName,
                   String oifName) {

    /** {@code FR_ACT_*}. */
    public enum Action {
        UNSPEC(FR_ACT_UNSPEC), TO_TABLE(FR_ACT_TO_TBL), GOTO(FR_ACT_GOTO), NOP(FR_ACT_NOP),
        BLACKHOLE(FR_ACT_BLACKHOLE), UNREACHABLE(FR_ACT_UNREACHABLE), PROHIBIT(FR_ACT_PROHIBIT);

        private final int value;

        Action(int value) { this.value = value; }

        public int value() { return value; }

        /** The action for an {@code FR_ACT_*} value; UNSPEC for values this version does not know. */
        public static Action of(int value) {
            for (Action a : values()) if (a.value == value) return a;
            return UNSPEC;
        }
    }

    public Rule {
        if (family == null || action == null) throw new IllegalArgumentException("family and action are required");
        if (from != null && from.family() != family) throw new IllegalArgumentException("from " + from + " is not " + family);
        if (to != null && to.family() != family) throw new IllegalArgumentException("to " + to + " is not " + family);
        if (from != null) from = from.network();
        if (to != null) to = to.network();
    }

    /** {@code ip rule add table T}: look up {@code table}, priority chosen by the kernel. */
    public static Rule lookup(IpFamily family, int table) {
        return new Rule(family, -1, 0, 0, table, -1, false, Action.TO_TABLE, 0, null, null, null, null);
    }

    /** A rule with a terminal {@code action} (blackhole, unreachable, prohibit, nop). */
    public static Rule of(IpFamily family, Action action) {
        return new Rule(family, -1, 0, 0, 0, -1, false, action, 0, null, null, null, null);
    }

    /** {@code ip rule add goto TARGET}. */
    public static Rule goTo(IpFamily family, int targetPriority) {
        return new Rule(family, -1, 0, 0, 0, -1, false, Action.GOTO, targetPriority, null, null, null, null);
    }

    public Rule withPriority(int p) {
        return new Rule(family, p, fwmark, fwmask, table, suppressPrefixLength, invert, action, gotoTarget, from, to, iifName, oifName);
    }

    /** Matches {@code fwmark} exactly (mask 0xffffffff). */
    public Rule withFwmark(int mark) { return withFwmark(mark, 0xFFFFFFFF); }

    public Rule withFwmark(int mark, int mask) {
        return new Rule(family, priority, mark, mask, table, suppressPrefixLength, invert, action, gotoTarget, from, to, iifName, oifName);
    }

    public Rule withSuppressPrefixLength(int len) {
        return new Rule(family, priority, fwmark, fwmask, table, len, invert, action, gotoTarget, from, to, iifName, oifName);
    }

    public Rule inverted() {
        return new Rule(family, priority, fwmark, fwmask, table, suppressPrefixLength, true, action, gotoTarget, from, to, iifName, oifName);
    }

    public Rule withFrom(IpPrefix f) {
        return new Rule(family, priority, fwmark, fwmask, table, suppressPrefixLength, invert, action, gotoTarget, f, to, iifName, oifName);
    }

    public Rule withTo(IpPrefix t) {
        return new Rule(family, priority, fwmark, fwmask, table, suppressPrefixLength, invert, action, gotoTarget, from, t, iifName, oifName);
    }

    public Rule withIif(String name) {
        return new Rule(family, priority, fwmark, fwmask, table, suppressPrefixLength, invert, action, gotoTarget, from, to, name, oifName);
    }

    public Rule withOif(String name) {
        return new Rule(family, priority, fwmark, fwmask, table, suppressPrefixLength, invert, action, gotoTarget, from, to, iifName, name);
    }

    /** Decodes {@code RTM_NEWRULE}/{@code RTM_DELRULE}; null for families other than IPv4 and IPv6. */
    static Rule decode(NlMessage m) {
        m.requirePayload(FIB_RULE_HDR_SIZE);
        var p = m.payload();
        IpFamily family = RtNames.family(Byte.toUnsignedInt(p.get(0)));
        if (family == null) return null;
        int dstLen = Byte.toUnsignedInt(p.get(1));
        int srcLen = Byte.toUnsignedInt(p.get(2));
        int table8 = Byte.toUnsignedInt(p.get(4));
        Action action = Action.of(Byte.toUnsignedInt(p.get(7)));
        int flags = p.getInt(8);
        NlAttributes a = m.attributes(FIB_RULE_HDR_SIZE);
        IpPrefix from = srcLen == 0 && !a.has(FRA_SRC) ? null
                : RtNames.prefix(RtNames.addressOr0(a, FRA_SRC, family), srcLen);
        IpPrefix to = dstLen == 0 && !a.has(FRA_DST) ? null
                : RtNames.prefix(RtNames.addressOr0(a, FRA_DST, family), dstLen);
        return new Rule(family, a.u32(FRA_PRIORITY, 0), a.u32(FRA_FWMARK, 0), a.u32(FRA_FWMASK, 0),
                a.u32(FRA_TABLE, table8), a.u32(FRA_SUPPRESS_PREFIXLEN, -1), (flags & FIB_RULE_INVERT) != 0, action,
                a.u32(FRA_GOTO, 0), from, to, a.string(FRA_IIFNAME), a.string(FRA_OIFNAME));
    }

    /** Like {@code ip rule}: {@code 32765:	not from all fwmark 0xca6c lookup 51820}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (priority != -1) sb.append(Integer.toUnsignedString(priority)).append(":\t");
        if (invert) sb.append("not ");
        sb.append("from ").append(from == null ? "all" : from.length() == family.bits() ? RtNames.addr(from.address()) : from);
        if (to != null) sb.append(" to ").append(to.length() == family.bits() ? RtNames.addr(to.address()) : to);
        if (fwmark != 0 || fwmask != 0) {
            sb.append(" fwmark 0x").append(Integer.toHexString(fwmark));
            if (fwmask != 0xFFFFFFFF) sb.append("/0x").append(Integer.toHexString(fwmask));
        }
        if (iifName != null) sb.append(" iif ").append(iifName);
        if (oifName != null) sb.append(" oif ").append(oifName);
        if (table != 0) sb.append(" lookup ").append(RtNames.table(table));
        if (suppressPrefixLength != -1) sb.append(" suppress_prefixlength ").append(suppressPrefixLength);
        switch (action) {
            case GOTO -> sb.append(" goto ").append(Integer.toUnsignedString(gotoTarget));
            case NOP -> sb.append(" nop");
            case BLACKHOLE -> sb.append(" blackhole");
            case UNREACHABLE -> sb.append(" unreachable");
            case PROHIBIT -> sb.append(" prohibit");
            default -> { }
        }
        return sb.toString();
    }
}
