package dev.netext.daemon.profile;

import dev.netext.api.proxy.ProxyChain;
import dev.netext.flow.proxy.FlowProxy;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

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
 *
 * <p>A {@code type} with a dot names a custom proxy class ({@link Custom}): a {@code dev.netext.api.proxy}
 * {@code TransparentProxyProvider} or {@code AppProxyProvider} on the class path or in a plugin jar, given
 * {@code settings} as its start options and no {@code server}:
 * {@code - { name: x, order: 3, type: com.example.MyProxy, settings: {…}, include: [...] }}.
 *
 * @param proxies the built-in proxies (socks5, http)
 * @param custom  the custom proxy classes
 */
public record ProxiesSection(List<FlowProxy.Upstream> proxies, List<Custom> custom) {
    public ProxiesSection {
        proxies = List.copyOf(proxies);
        custom = List.copyOf(custom);
    }

    public ProxiesSection(List<FlowProxy.Upstream> proxies) {
        this(proxies, List.of());
    }

    /** A custom proxy class: its place and rules, the class reference as written, its settings. */
    public record Custom(ProxyChain.Member member, String type, Map<String, Object> settings) {
        public Custom {
            if (member == null || type == null) throw new IllegalArgumentException("member and type are required");
            settings = settings == null ? Map.of() : Map.copyOf(settings);
        }
    }

    /** Every member of the chain, built-in and custom. */
    public List<ProxyChain.Member> members() {
        return Stream.concat(proxies.stream().map(FlowProxy.Upstream::member),
                custom.stream().map(Custom::member)).toList();
    }
}
