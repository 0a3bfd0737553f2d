package dev.netext.daemon.profile;

import static dev.netext.daemon.profile.ProfileLoaderTest.FILE;
import static dev.netext.daemon.profile.ProfileLoaderTest.errors;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code include-all-networks}, {@code exclude-local-networks}, {@code enforce-routes} under {@code tunnel:}. */
class KillSwitchKeysTest {

    @Test
    void theKeysSitBesideTheProvider() throws Exception {
        Profile p = new ProfileLoader().parse("""
                tunnel:
                  provider: echo
                  include-all-networks: true
                  exclude-local-networks: true
                  enforce-routes: true
                  settings:
                    addresses: [10.9.0.2/24]
                    routes: [10.20.0.0/16]
                """, FILE);
        assertThat(p.tunnel().orElseThrow().killSwitch()).isEqualTo(new KillSwitchSettings(true, true, true));
        Profile plain = new ProfileLoader().parse("tunnel: { provider: echo }\n", FILE);
        assertThat(plain.tunnel().orElseThrow().killSwitch()).isEqualTo(KillSwitchSettings.NONE);
    }

    @Test
    void everyMistakeIsNamedWithItsLine() {
        assertThat(errors("""
                tunnel:
                  provider: echo
                  include-all-networks: "true"
                  enforce-routes: 1
                """)).containsExactly(
                "profile.yaml:3: tunnel.include-all-networks: expected true or false; got a string ('true'); remove the quotes",
                "profile.yaml:4: tunnel.enforce-routes: expected true or false; got an integer (1)");
        assertThat(errors("""
                tunnel:
                  provider: echo
                  exclude-local-networks: true
                """)).containsExactly("profile.yaml:3: tunnel.exclude-local-networks: only takes effect with the kill"
                + " switch; add 'include-all-networks: true' or remove it");
        assertThat(errors("""
                tunnel:
                  provider: echo
                  include-all-network: true
                """)).containsExactly("profile.yaml:3: tunnel.include-all-network: unknown key (did you mean 'include-all-networks'?)");
    }

    @Test
    void aSetHoldsOneKillSwitch(@TempDir Path dir) throws Exception {
        Path d = Files.createDirectories(dir.resolve("d"));
        Files.writeString(d.resolve("a.yaml"), "name: a\ntunnel: { provider: echo, include-all-networks: true }\n");
        Files.writeString(d.resolve("b.yaml"), "name: b\ntunnel:\n  provider: pong\n  include-all-networks: true\n");
        ProfileException e = catchThrowableOfType(ProfileException.class,
                () -> new ProfileSetLoader(new ProfileLoader()).load(d, List.of()));
        assertThat(e).isNotNull();
        assertThat(e.errors()).map(ProfileError::toString).containsExactly(d.resolve("b.yaml") + ":4: tunnel.include-all-networks:"
                + " profile 'a' (" + d.resolve("a.yaml") + ") has the kill switch already; a host has one (a second would"
                + " drop the first tunnel's packets)");
    }

    @Test
    void enforceRoutesNeedsSpecificRoutes() {
        assertThat(errors("""
                tunnel:
                  provider: echo
                  enforce-routes: true
                """)).containsExactly("profile.yaml:3: tunnel.enforce-routes: the tunnel has no routes to enforce;"
                + " add settings.routes (or AllowedIPs in the config file)");
        assertThat(errors("""
                tunnel:
                  provider: echo
                  enforce-routes: true
                  settings:
                    routes: [0.0.0.0/0, "::/0"]
                """)).containsExactly("profile.yaml:3: tunnel.enforce-routes: the tunnel's only routes are default routes:"
                + " enforcing them would cut the local networks off; use 'include-all-networks: true'"
                + " (with 'exclude-local-networks: true') instead");
    }
}
