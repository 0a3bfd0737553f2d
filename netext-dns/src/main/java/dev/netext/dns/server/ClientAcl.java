package dev.netext.dns.server;

import dev.netext.api.net.IpPrefix;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who may ask. By default loopback and the addresses of this network namespace's own interfaces (the host's own
 * processes, or a container's): an open resolver on other networks is an amplification tool, so answering them is
 * opt-in through {@code allow} prefixes. Clients outside are dropped without an answer.
 */
public final class ClientAcl {
    private final List<IpPrefix> allowed;
    private final Set<InetAddress> own;

    private ClientAcl(List<IpPrefix> allowed, Set<InetAddress> own) {
        this.allowed = List.copyOf(allowed);
        this.own = Set.copyOf(own);
    }

    /** Loopback, this namespace's interface addresses, and {@code allow}. */
    public static ClientAcl localPlus(List<IpPrefix> allow) {
        Set<InetAddress> own = new HashSet<>();
        try {
            var ifs = NetworkInterface.getNetworkInterfaces();
            while (ifs != null && ifs.hasMoreElements()) {
                var addrs = ifs.nextElement().getInetAddresses();
                while (addrs.hasMoreElements()) {
                    InetAddress a = addrs.nextElement();
                    if (a instanceof Inet6Address v6 && v6.getScopeId() != 0) a = stripScope(v6);
                    own.add(a);
                }
            }
        } catch (SocketException e) {
            // no interface list: loopback and explicit prefixes still work
        }
        return new ClientAcl(allow, own);
    }

    private static InetAddress stripScope(Inet6Address a) {
        try {
            return InetAddress.getByAddress(a.getAddress());
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    public boolean allows(InetAddress client) {
        if (client.isLoopbackAddress()) return true;
        InetAddress a = client instanceof Inet6Address v6 && v6.getScopeId() != 0 ? stripScope(v6) : client;
        if (own.contains(a)) return true;
        for (IpPrefix p : allowed) if (p.contains(a)) return true;
        return false;
    }

    public List<IpPrefix> allowedPrefixes() { return new ArrayList<>(allowed); }
}
