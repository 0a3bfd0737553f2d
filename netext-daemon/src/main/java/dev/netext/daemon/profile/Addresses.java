package dev.netext.daemon.profile;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads IP prefixes and addresses from profile values, with messages that quote what the user wrote. */
final class Addresses {

    private Addresses() {}

    /** What a list of prefixes is for: decides which extra checks apply. */
    enum Use { INTERFACE_ADDRESS, ROUTE }

    /** Parses {@code ADDRESS[/LENGTH]} (numeric only), or returns null after reporting why not. */
    static IpPrefix prefix(YamlNode node, String path, Checks checks, Use use) {
        String text = checks.string(node, path);
        if (text == null) return null;
        String s = text.strip();
        int slash = s.indexOf('/');
        String addrText = slash < 0 ? s : s.substring(0, slash);
        InetAddress addr = address(node, path, checks, text, addrText);
        if (addr == null) return null;
        IpFamily family = IpFamily.of(addr);
        int length = family.bits();
        if (slash >= 0) {
            String l = s.substring(slash + 1);
            if (l.isEmpty() || l.length() > 3 || !l.chars().allMatch(c -> c >= '0' && c <= '9')) {
                checks.error(node, path, "'" + text + "': prefix length '" + l + "' is not a number");
                return null;
            }
            length = Integer.parseInt(l);
            if (length > family.bits()) {
                checks.error(node, path, "'" + text + "': prefix length " + length + " is out of range for "
                        + (family == IpFamily.V4 ? "IPv4 (0..32)" : "IPv6 (0..128)"));
                return null;
            }
        }
        IpPrefix p = new IpPrefix(addr, length);
        switch (use) {
            case ROUTE -> {
                IpPrefix net = p.network();
                if (!net.address().equals(p.address())) {
                    checks.error(node, path, "'" + text + "' has host bits set (did you mean " + net + "?)");
                    return null;
                }
            }
            case INTERFACE_ADDRESS -> {
                if (addr.isAnyLocalAddress() || addr.isMulticastAddress() || addr.isLoopbackAddress()) {
                    checks.error(node, path, "'" + text + "' cannot be an interface address ("
                            + (addr.isAnyLocalAddress() ? "unspecified" : addr.isMulticastAddress() ? "multicast" : "loopback")
                            + ")");
                    return null;
                }
                if (family == IpFamily.V4 && length <= 30) {
                    IpPrefix net = p.network();
                    byte[] b = addr.getAddress();
                    byte[] n = net.address().getAddress();
                    if (Arrays.equals(b, n)) {
                        checks.error(node, path, "'" + text + "' is the network address of " + net
                                + ", not a host address (did you mean " + IpPrefix.format(next(net.address())) + "/" + length + "?)");
                        return null;
                    }
                }
            }
        }
        return p;
    }

    /** A plain numeric address (no prefix length), or null after reporting. */
    static InetAddress plainAddress(YamlNode node, String path, Checks checks) {
        String text = checks.string(node, path);
        if (text == null) return null;
        if (text.indexOf('/') >= 0) {
            checks.error(node, path, "'" + text + "' is a prefix; expected a plain address (drop '" + text.substring(text.indexOf('/')) + "')");
            return null;
        }
        return address(node, path, checks, text, text.strip());
    }

    private static InetAddress address(YamlNode node, String path, Checks checks, String text, String addrText) {
        boolean v6 = addrText.indexOf(':') >= 0;
        InetAddress a;
        try {
            a = IpPrefix.parseAddress(addrText);
        } catch (IllegalArgumentException e) {
            checks.error(node, path, "'" + text + "' is not an " + (v6 ? "IPv6" : "IPv4") + " address"
                    + (!v6 && !addrText.isEmpty() && !Character.isDigit(addrText.charAt(0))
                       ? " (host names are not allowed here)" : ""));
            return null;
        }
        if (v6 && a instanceof Inet4Address) {
            checks.error(node, path, "'" + text + "' is an IPv4-mapped IPv6 address; write the IPv4 address "
                    + IpPrefix.format(a) + " instead");
            return null;
        }
        return a;
    }

    /** A list of prefixes; duplicates are reported. Null if the node was not a list or any item was bad. */
    static List<IpPrefix> prefixes(YamlNode node, String path, Checks checks, Use use) {
        List<YamlNode> items = checks.list(node, path);
        if (items == null) return null;
        List<IpPrefix> out = new ArrayList<>();
        List<Integer> where = new ArrayList<>();
        boolean bad = false;
        for (int i = 0; i < items.size(); i++) {
            String p = path + "[" + i + "]";
            IpPrefix prefix = prefix(items.get(i), p, checks, use);
            if (prefix == null) { bad = true; continue; }
            int dup = indexOf(out, prefix, use);
            if (dup >= 0) {
                checks.error(items.get(i), p, "'" + prefix + "' is listed twice (also " + path + "[" + where.get(dup) + "])");
                bad = true;
                continue;
            }
            out.add(prefix);
            where.add(i);
        }
        return bad ? null : out;
    }

    private static int indexOf(List<IpPrefix> list, IpPrefix p, Use use) {
        for (int i = 0; i < list.size(); i++) {
            IpPrefix q = list.get(i);
            if (use == Use.INTERFACE_ADDRESS ? q.address().equals(p.address()) : q.equals(p)) return i;
        }
        return -1;
    }

    private static InetAddress next(InetAddress a) {
        byte[] b = a.getAddress();
        for (int i = b.length - 1; i >= 0; i--) if (++b[i] != 0) break;
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
