package dev.netext.linux.netlink;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import static dev.netext.linux.netlink.NetlinkH.*;
import static dev.netext.linux.netlink.RtnetlinkH.*;

/**
 * A client for the kernel's routing netlink ({@code NETLINK_ROUTE}, {@code linux/rtnetlink.h}): links, addresses,
 * routes and policy rules, as {@code ip link|addr|route|rule} manage them, without running {@code ip}.
 *
 * <p>One socket, one request at a time: methods may be called from any thread and are serialised. Each request gets a
 * fresh sequence number and waits for its ACK, reply or dump end ({@link NetlinkSocket#request}); replies to earlier
 * (timed-out) requests are dropped.
 * {@code NETLINK_EXT_ACK} is on, so a kernel explanation is included in the {@link LinuxException} message.
 *
 * <p>The socket belongs to the network namespace of the thread that calls {@link #open()}; it can be used from any
 * thread after that.
 */
public final class RtNetlink implements AutoCloseable {
    /** How long a request waits for the kernel's answer. */
    static final int TIMEOUT_MILLIS = 10_000;
    private static final int DUMP_ATTEMPTS = 3;

    private final NetlinkSocket socket;

    private RtNetlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Opens a NETLINK_ROUTE socket in the calling thread's network namespace. */
    public static RtNetlink open() throws LinuxException {
        NetlinkSocket s = NetlinkSocket.open(NETLINK_ROUTE, 0, false);
        try {
            s.setOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
            s.setOption(SOL_NETLINK, NETLINK_CAP_ACK, 1);
        } catch (LinuxException e) {
            s.close();
            throw e;
        }
        return new RtNetlink(s);
    }

    // links

    /** All links ({@code ip link show}). */
    public List<Link> links() throws LinuxException {
        return query(RtnlRequests.dumpLinks(), "RTM_GETLINK dump", RTM_NEWLINK, Link::decode);
    }

    /** The link with ifindex {@code index}, or empty. */
    public Optional<Link> link(int index) throws LinuxException {
        return getLink(RtnlRequests.getLink(index), "RTM_GETLINK index " + index);
    }

    /** The link named {@code name}, or empty. */
    public Optional<Link> link(String name) throws LinuxException {
        return getLink(RtnlRequests.getLink(name), "RTM_GETLINK " + name);
    }

    private Optional<Link> getLink(NlMessageBuilder req, String what) throws LinuxException {
        try {
            return query(req, what, RTM_NEWLINK, Link::decode).stream().findFirst();
        } catch (LinuxException e) {
            if (e.is(Errno.ENODEV)) return Optional.empty();
            throw e;
        }
    }

    /** {@code ip link set dev X up} / {@code down}. */
    public void setLinkUp(int index, boolean up) throws LinuxException {
        change(RtnlRequests.setLinkUp(index, up), "RTM_NEWLINK index " + index + (up ? " up" : " down"));
    }

    /** {@code ip link set dev X mtu N}. */
    public void setMtu(int index, int mtu) throws LinuxException {
        change(RtnlRequests.setMtu(index, mtu), "RTM_NEWLINK index " + index + " mtu " + mtu);
    }

    /** {@code ip link del dev X}. Deleting one end of a veth pair deletes both. */
    public void deleteLink(int index) throws LinuxException {
        change(RtnlRequests.deleteLink(index), "RTM_DELLINK index " + index);
    }

    // addresses

    /** All IPv4 and IPv6 addresses ({@code ip addr show}). */
    public List<Address> addresses() throws LinuxException {
        return query(RtnlRequests.dumpAddresses(), "RTM_GETADDR dump", RTM_NEWADDR, Address::decode);
    }

    /** The addresses of one link. */
    public List<Address> addresses(int linkIndex) throws LinuxException {
        return addresses().stream().filter(a -> a.linkIndex() == linkIndex).toList();
    }

    /** {@code ip addr add PREFIX dev X} (IPv6 with {@code nodad}); EEXIST if already there. */
    public void addAddress(int linkIndex, IpPrefix address) throws LinuxException {
        change(RtnlRequests.address(RTM_NEWADDR, RtnlRequests.NEW, linkIndex, address),
                "RTM_NEWADDR " + address + " index " + linkIndex);
    }

    /** {@code ip addr del PREFIX dev X}. */
    public void deleteAddress(int linkIndex, IpPrefix address) throws LinuxException {
        change(RtnlRequests.address(RTM_DELADDR, RtnlRequests.CHANGE, linkIndex, address),
                "RTM_DELADDR " + address + " index " + linkIndex);
    }

    // routes

    /** All routes of {@code family} in all tables, cached clones excluded ({@code ip route show table all}). */
    public List<Route> routes(IpFamily family) throws LinuxException {
        return query(RtnlRequests.dumpRoutes(family), "RTM_GETROUTE dump", RTM_NEWROUTE, m -> {
            m.requirePayload(RTMSG_SIZE);
            if ((m.payload().getInt(8) & RTM_F_CLONED) != 0) return null;
            Route r = Route.decode(m);
            return r != null && r.family() == family ? r : null;
        });
    }

    /** The routes of {@code family} in routing table {@code table} ({@code ip route show table T}). */
    public List<Route> routes(IpFamily family, int table) throws LinuxException {
        return routes(family).stream().filter(r -> r.table() == table).toList();
    }

    /** {@code ip route add}; EEXIST if an equal route is there. */
    public void addRoute(Route route) throws LinuxException {
        change(RtnlRequests.newRoute(RtnlRequests.NEW, route), "RTM_NEWROUTE " + route);
    }

    /** {@code ip route replace}: adds, or replaces the route to the same destination, table and metric. */
    public void replaceRoute(Route route) throws LinuxException {
        change(RtnlRequests.newRoute(RtnlRequests.REPLACE, route), "RTM_NEWROUTE replace " + route);
    }

    /** {@code ip route del}; ESRCH (IPv4) or ENOENT (IPv6) if there is no such route. */
    public void deleteRoute(Route route) throws LinuxException {
        change(RtnlRequests.deleteRoute(route), "RTM_DELROUTE " + route);
    }

    // rules

    /** The policy rules of {@code family} ({@code ip rule show}), in priority order. */
    public List<Rule> rules(IpFamily family) throws LinuxException {
        List<Rule> all = query(RtnlRequests.dumpRules(family), "RTM_GETRULE dump", RTM_NEWRULE, Rule::decode);
        return all.stream().filter(r -> r.family() == family).toList();
    }

    /** {@code ip rule add}; EEXIST if an identical rule exists. */
    public void addRule(Rule rule) throws LinuxException {
        change(RtnlRequests.rule(RTM_NEWRULE, RtnlRequests.NEW, rule), "RTM_NEWRULE " + rule);
    }

    /** {@code ip rule del}: removes the first rule matching the fields that are set; ENOENT if none. */
    public void deleteRule(Rule rule) throws LinuxException {
        change(RtnlRequests.rule(RTM_DELRULE, RtnlRequests.CHANGE, rule), "RTM_DELRULE " + rule);
    }

    @Override
    public void close() {
        socket.close();
    }

    // transport

    /** Sends a change ({@code NLM_F_ACK}) and waits for its ACK. */
    private void change(NlMessageBuilder req, String what) throws LinuxException {
        socket.request(req, what, TIMEOUT_MILLIS, NlReplies.ACK);
    }

    /**
     * Sends {@code req} and decodes the messages of {@code type} in its answer (a null decoding is left out): for a
     * dump every part until NLMSG_DONE, asked again when the kernel flags NLM_F_DUMP_INTR because the table changed
     * mid-dump; for a get, the single reply.
     */
    private <T> List<T> query(NlMessageBuilder req, String what, int type, Function<NlMessage, T> decoder)
            throws LinuxException {
        boolean singleReply = (req.flags() & (NLM_F_DUMP | NLM_F_ACK)) == 0;
        for (int attempt = 1; ; attempt++) {
            List<T> out = new ArrayList<>();
            boolean interrupted = socket.request(req, what, TIMEOUT_MILLIS, m -> {
                if (m.type() == type) {
                    T t = decoder.apply(m);
                    if (t != null) out.add(t);
                }
                return singleReply;
            });
            if (!interrupted) return out;
            if (attempt == DUMP_ATTEMPTS)
                throw new LinuxException(what + ": dump interrupted " + DUMP_ATTEMPTS + " times", Errno.EINTR);
        }
    }
}
