package dev.netext.daemon.profile;

import dev.netext.flow.proxy.FlowProxy;

import java.util.List;

/**
 * A profile's {@code proxies:} section: the ordered transparent/app proxies of the flow layer. Intercepted flows the
 * filter allows are offered to them in {@code order} (then name); a flow all decline goes direct.
 *
 * <pre>
 * proxies:
 *   - { name: corp, order: 1, type: socks5, server: "10.0.0.10:1080", include: [{ host: "*.corp.example" }, { cidr: 10.0.0.0/8 }], exclude: [{ port: 22 }] }
 *   - { name: web,  order: 2, type: http,   server: "10.0.0.11:3128", include: [{ port: 443 }], apps: [{ uid: 1000 }] }
 * </pre>
 *
 * Per proxy: {@code name} (required, unique), {@code order} (default 0), {@code type} ({@code socks5} or
 * {@code http}), {@code server} ({@code ADDRESS:PORT}), {@code username}/{@code password} (socks5, RFC 1929),
 * {@code include} (network rules; omitted: every flow), {@code exclude} (network rules; excluded wins), {@code apps}
 * (app rules; a proxy with apps is an app proxy, offered only those processes' flows). A network rule has any of
 * {@code host} ({@code name} or {@code *.suffix}), {@code cidr}, {@code port} ({@code N} or {@code N-M}),
 * {@code protocol} ({@code tcp}, {@code udp}); an app rule any of {@code uid}, {@code gid}, {@code cgroup} (a cgroup
 * path prefix), {@code executable} (an absolute path, matched against the flow's attributed process).
 */
public record ProxiesSection(List<FlowProxy.Upstream> proxies) {
    public ProxiesSection {
        proxies = List.copyOf(proxies);
    }
}
