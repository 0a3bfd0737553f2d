package dev.netext.daemon.profile;

import static dev.netext.daemon.profile.ProfileLoaderTest.FILE;
import static dev.netext.daemon.profile.ProfileLoaderTest.errors;
import static org.assertj.core.api.Assertions.assertThat;

import dev.netext.tunnel.apps.AppRule;
import org.junit.jupiter.api.Test;

/** {@code tunnel.apps}: which apps a per-app tunnel carries, and what is refused beside it. */
class AppRulesKeysTest {

    @Test
    void uidsAndCgroupsInTheOrderWritten() throws Exception {
        Profile p = new ProfileLoader().parse("""
                tunnel:
                  provider: echo
                  apps:
                    - { uid: 1001 }
                    - cgroup: /user.slice/app.slice/x.scope
                """, FILE);
        assertThat(p.tunnel().orElseThrow().apps()).containsExactly(new AppRule.Uid(1001),
                new AppRule.Cgroup("/user.slice/app.slice/x.scope"));
        assertThat(new ProfileLoader().parse("tunnel: { provider: echo }\n", FILE).tunnel().orElseThrow().apps()).isEmpty();
    }

    @Test
    void executableIsRefusedWithTheWayToNameTheApp() {
        assertThat(errors("""
                tunnel:
                  provider: echo
                  apps: [ { executable: /usr/bin/curl } ]
                """)).singleElement().asString()
                .startsWith("profile.yaml:3: tunnel.apps[0].executable: cannot be applied: the kernel does not tell")
                .contains("cgroup");
    }

    @Test
    void everyMistakeIsNamedWithItsLine() {
        assertThat(errors("""
                tunnel:
                  provider: echo
                  apps:
                    - { uid: -1 }
                    - { cgroup: user.slice }
                    - { uid: 1, cgroup: /a }
                    - { user: 1 }
                """)).containsExactly(
                "profile.yaml:4: tunnel.apps[0].uid: uid -1 is out of range (0..4294967294)",
                "profile.yaml:5: tunnel.apps[1].cgroup: a cgroup is an absolute path below the root, as /proc/PID/cgroup"
                        + " shows it (/user.slice/app.slice/x.scope)",
                "profile.yaml:6: tunnel.apps[2]: give exactly one of uid, cgroup (got uid, cgroup)",
                "profile.yaml:7: tunnel.apps[3].user: unknown key; expected one of uid, cgroup, executable");
        assertThat(errors("tunnel:\n  provider: echo\n  apps: []\n")).singleElement().asString()
                .contains("tunnel.apps: is empty");
    }

    @Test
    void keysThatContradictChoosingAppsAreRefused() {
        assertThat(errors("""
                tunnel:
                  provider: echo
                  include-all-networks: true
                  enforce-routes: true
                  apps: [ { uid: 1001 } ]
                  settings:
                    addresses: [10.9.0.2/24]
                    routes: [10.20.0.0/16]
                    dns: { servers: [10.9.0.1], match-domains: [corp.example] }
                """)).containsExactly(
                "profile.yaml:3: tunnel.include-all-networks: cannot be combined with tunnel.apps: the kill switch keeps"
                        + " every app's traffic in the tunnel, apps sends only the listed ones into it; use one or the other",
                "profile.yaml:4: tunnel.enforce-routes: cannot be combined with tunnel.apps: a per-app tunnel's routes"
                        + " are in a table of their own, used by the listed apps only",
                "profile.yaml:9: tunnel.settings.dns.match-domains: cannot be applied with tunnel.apps: every name the"
                        + " apps look up goes to the tunnel's servers (their port 53 is redirected there); leave"
                        + " match-domains out");
    }
}
