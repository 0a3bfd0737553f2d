package dev.netext.lab;

import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;

import java.io.IOException;

/**
 * The three namespaces of a proxy test, where the address an origin sees tells which path a flow took:
 *
 * <pre>
 *   client  NET.1.1 ─────────────── NET.1.2  origin   the direct path
 *   client  NET.2.1 ── NET.2.2 socks                  the proxy, listening on NET.2.2
 *                      NET.3.1 socks ── NET.3.2 origin   the proxy's external side
 *   origin: service address NET.9.2 on its loopback; client and socks route NET.9.0/24 over their link to it
 * </pre>
 *
 * A flow to {@link #service()} the origin sees from {@link #clientAddress()} went direct, from
 * {@link #proxyExternal()} through the proxy. The namespaces are named {@code client}, {@code socks} and
 * {@code origin} in the lab; more links and addresses may be added by the test.
 *
 * @param net the first two octets, e.g. {@code "10.81"} (each test class its own, so parallel labs never meet)
 */
public record ProxyTopology(NetworkNamespace client, NetworkNamespace socks, NetworkNamespace origin, String net) {

    /** Creates the namespaces, links, service address and routes in {@code lab}. */
    public static ProxyTopology create(NetnsLab lab, String net) throws IOException {
        ProxyTopology t = new ProxyTopology(lab.namespace("client"), lab.namespace("socks"), lab.namespace("origin"), net);
        lab.veth(VethEnd.of("client", "co0", net + ".1.1/24"), VethEnd.of("origin", "oc0", net + ".1.2/24"));
        lab.veth(VethEnd.of("client", "cs0", net + ".2.1/24"), VethEnd.of("socks", "sc0", net + ".2.2/24"));
        lab.veth(VethEnd.of("socks", "so0", net + ".3.1/24"), VethEnd.of("origin", "os0", net + ".3.2/24"));
        t.origin.ip("addr", "add", t.service() + "/32", "dev", "lo").orThrow();
        t.client.ip("route", "add", net + ".9.0/24", "via", net + ".1.2").orThrow();
        t.socks.ip("route", "add", net + ".9.0/24", "via", net + ".3.2").orThrow();
        return t;
    }

    /** The origin's service address, what the client's flows are for. */
    public String service() { return net + ".9.2"; }

    /** The client's address on its direct link: the origin sees it for a flow that went direct. */
    public String clientAddress() { return net + ".1.1"; }

    /** Where the proxy in {@code socks} listens for the client. */
    public String proxyAddress() { return net + ".2.2"; }

    /** The proxy's address toward the origin: the origin sees it for a proxied flow. */
    public String proxyExternal() { return net + ".3.1"; }

    /** The client-side network of the proxy ({@code NET.2.0/24}), the clients a proxy admits. */
    public String proxyClients() { return net + ".2.0/24"; }
}
