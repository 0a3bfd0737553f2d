package dev.netext.daemon.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which profiles get the daemon's flow-layer component: a {@code filter:} or a {@code proxies:} section, or both. */
class FilterComponentTest {
    private static final String PROXIES = """
            proxies:
              - { name: corp, order: 1, type: socks5, server: "10.0.0.10:1080", include: [{ cidr: 10.0.0.0/8 }] }
            """;

    @Test
    void aProxiesOnlyProfileGetsTheFlowComponent() throws Exception {
        var c = FilterComponent.factory().create(Profiles.of("proxied", PROXIES), null);
        assertThat(c).isPresent();
        assertThat(c.get().kind()).isEqualTo("filter");
        assertThat(((FilterComponent) c.get()).provider()).isEqualTo("rules");
    }

    @Test
    void filterWithProxiesGetsOneComponentAndNeitherGetsNone() throws Exception {
        assertThat(FilterComponent.factory().create(Profiles.of("both", "filter:\n  default: allow\n" + PROXIES), null)).isPresent();
        assertThat(FilterComponent.factory().create(Profiles.tunnel("plain", "10.1.0.1", ""), null)).isEmpty();
    }
}
