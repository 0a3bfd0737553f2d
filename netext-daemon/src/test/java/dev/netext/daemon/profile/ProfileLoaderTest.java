package dev.netext.daemon.profile;

import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ProfileLoaderTest {

    static final Path FILE = Path.of("profile.yaml");
    final ProfileLoader loader = new ProfileLoader();

    static List<String> errors(String yaml) {
        ProfileException e = catchThrowableOfType(ProfileException.class, () -> new ProfileLoader().parse(yaml, FILE));
        assertThat(e).as("expected a ProfileException for:\n" + yaml).isNotNull();
        assertThat(e.getMessage()).isEqualTo(String.join("\n", e.errors().stream().map(ProfileError::toString).toList()));
        return e.errors().stream().map(ProfileError::toString).toList();
    }

    static Path resource(String name) throws Exception {
        return Path.of(ProfileLoaderTest.class.getResource("/profiles/" + name).toURI());
    }

    @Test
    void theContractProfileParses() throws Exception {
        Path file = resource("corp-vpn.yaml");
        Profile p = loader.load(file);

        assertThat(p.name()).isEqualTo("corp-vpn");
        assertThat(p.enabled()).isTrue();
        assertThat(p.source()).isEqualTo(file);
        TunnelSection t = p.tunnel().orElseThrow();
        assertThat(t.provider()).isEqualTo("echo");
        assertThat(t.options()).isEqualTo(Map.of("any", "value"));
        assertThat(t.interfaceName()).isEqualTo("netext0");
        assertThat(t.table()).hasValue(51820);

        TunnelNetworkSettings s = t.settings();
        assertThat(s.addresses()).containsExactly(IpPrefix.parse("10.7.0.1/24"), IpPrefix.parse("fd84:306d:fc4e::1/64"));
        assertThat(s.includedRoutes()).containsExactly(IpPrefix.parse("10.7.0.0/24"), IpPrefix.parse("fd84:306d:fc4e::/64"));
        assertThat(s.excludedRoutes()).isEmpty();
        assertThat(s.mtu()).isEqualTo(1400);
        assertThat(s.dns().servers()).containsExactly(InetAddress.getByName("10.7.0.53"));
        assertThat(s.dns().matchDomains()).containsExactly("corp.example");
        assertThat(s.dns().searchDomains()).isEmpty();
        assertThat(s.proxy().httpServer()).isEqualTo("10.7.0.80:3128");
        assertThat(s.proxy().httpsServer()).isEqualTo("10.7.0.80:3128");
        assertThat(s.proxy().pacUrl()).isNull();
        assertThat(s.proxy().exceptions()).isEmpty();

        assertThat(s).isEqualTo(new TunnelNetworkSettings(
                List.of(IpPrefix.parse("10.7.0.1/24"), IpPrefix.parse("fd84:306d:fc4e::1/64")),
                List.of(IpPrefix.parse("10.7.0.0/24"), IpPrefix.parse("fd84:306d:fc4e::/64")),
                List.of(), 1400,
                new dev.netext.api.tunnel.DnsSettings(List.of(InetAddress.getByName("10.7.0.53")), List.of(), List.of("corp.example")),
                new dev.netext.api.tunnel.ProxySettings(null, "10.7.0.80:3128", "10.7.0.80:3128", List.of())));
    }

    @Test
    void describeSummarisesTheProfile() throws Exception {
        Path file = resource("corp-vpn.yaml");
        String d = loader.load(file).describe();
        assertThat(d).startsWith("corp-vpn — " + file)
                .contains("tunnel: provider echo, interface netext0, mtu 1400, 1 option(s)")
                .contains("addresses: 10.7.0.1/24, fd84:306d:fc4e::1/64")
                .contains("routes: 10.7.0.0/24, fd84:306d:fc4e::/64 (table 51820)")
                .contains("dns: 10.7.0.53 for corp.example")
                .contains("proxy: http 10.7.0.80:3128, https 10.7.0.80:3128");
    }

    @Test
    void minimalProfileGetsDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("home-lab.yaml");
        Files.writeString(file, "tunnel:\n  provider: pong\n");
        Profile p = loader.load(file);
        assertThat(p.name()).isEqualTo("home-lab");
        assertThat(p.enabled()).isTrue();
        TunnelSection t = p.tunnel().orElseThrow();
        assertThat(t.interfaceName()).isNull();
        assertThat(t.options()).isEmpty();
        assertThat(t.table()).isEmpty();
        assertThat(t.settings()).isEqualTo(TunnelNetworkSettings.of(List.of(), List.of(), 0));
        assertThat(p.describe()).contains("interface netextN (first free), mtu 1500 (default)");
    }

    @Test
    void fullTunnelDisabledProfileWithPac() throws Exception {
        Profile p = loader.parse("""
                name: all
                enabled: false
                tunnel:
                  provider: com.example.vpn.Provider
                  settings:
                    addresses: [100.64.0.2/10]
                    routes: [0.0.0.0/0, "::/0"]
                    excluded-routes: [192.168.0.0/16]
                    dns: { servers: [100.64.0.1, "fd00::53"], search-domains: [Corp.Example.] }
                    proxy: { pac: "https://wpad.corp.example/proxy.pac", exceptions: ["*.local", 169.254.0.0/16] }
                """, FILE);
        assertThat(p.enabled()).isFalse();
        TunnelNetworkSettings s = p.tunnel().orElseThrow().settings();
        assertThat(s.includedRoutes()).containsExactly(IpPrefix.parse("0.0.0.0/0"), IpPrefix.parse("::/0"));
        assertThat(s.excludedRoutes()).containsExactly(IpPrefix.parse("192.168.0.0/16"));
        assertThat(s.dns().searchDomains()).containsExactly("corp.example");
        assertThat(s.dns().matchDomains()).isEmpty();
        assertThat(s.proxy().pacUrl()).isEqualTo(URI.create("https://wpad.corp.example/proxy.pac"));
        assertThat(s.proxy().exceptions()).containsExactly("*.local", "169.254.0.0/16");
        assertThat(p.describe()).contains("(disabled)").contains("(full tunnel)").contains("for all names").contains("pac https://");
    }

    @Test
    void optionsAreADeeplyImmutableCopy() throws Exception {
        Profile p = loader.parse("""
                tunnel:
                  provider: echo
                  options:
                    peers: [{ host: a.example, port: 51820 }, { host: b.example, port: 51821 }]
                    keepalive: 25
                    verbose: yes
                    nothing: null
                """, FILE);
        Map<String, Object> o = p.tunnel().orElseThrow().options();
        assertThat(o).containsEntry("keepalive", 25).containsEntry("verbose", true).containsEntry("nothing", null);
        @SuppressWarnings("unchecked") List<Map<String, Object>> peers = (List<Map<String, Object>>) o.get("peers");
        assertThat(peers).hasSize(2);
        assertThat(peers.get(1)).containsEntry("host", "b.example").containsEntry("port", 51821);
        assertThatThrownBy(() -> o.put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> peers.add(Map.of())).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> peers.get(0).put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    static Stream<Arguments> badProfiles() {
        return Stream.of(
                Arguments.of("""
                        name: x
                        tunnel:
                          provider: echo
                          settings:
                            mtu: 1400
                            routes: []
                            addresses: [10.7.0.1/24, 'fd84::zz/64']
                        """, "profile.yaml:7: tunnel.settings.addresses[1]: 'fd84::zz/64' is not an IPv6 address"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          setings:
                            mtu: 1400
                        """, "profile.yaml:3: tunnel.setings: unknown key (did you mean 'settings'?)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings: { excluded_routes: [] }
                        """, "profile.yaml:3: tunnel.settings.excluded_routes: unknown key (did you mean 'excluded-routes'?)"),
                Arguments.of("""
                        colour: blue
                        tunnel: { provider: echo }
                        """, "profile.yaml:1: colour: unknown key; expected one of name, enabled, required, lists, tunnel, dns, packet-filter, filter, proxies, on-demand, memory"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            addresses: 10.7.0.1/24
                        """, "profile.yaml:4: tunnel.settings.addresses: expected a list; got a string ('10.7.0.1/24'); for a single item write [10.7.0.1/24]"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings: [10.7.0.1/24]
                        """, "profile.yaml:3: tunnel.settings: expected a mapping with keys addresses, routes, excluded-routes, mtu, dns, proxy, table; got a list"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings: { addresses: [300.1.2.3/24] }
                        """, "profile.yaml:3: tunnel.settings.addresses[0]: '300.1.2.3/24' is not an IPv4 address"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings: { routes: [vpn.example/24] }
                        """, "profile.yaml:3: tunnel.settings.routes[0]: 'vpn.example/24' is not an IPv4 address (host names are not allowed here)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings: { addresses: [10.7.0.1/33] }
                        """, "profile.yaml:3: tunnel.settings.addresses[0]: '10.7.0.1/33': prefix length 33 is out of range for IPv4 (0..32)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings: { addresses: ["fd84::1/129"] }
                        """, "profile.yaml:3: tunnel.settings.addresses[0]: 'fd84::1/129': prefix length 129 is out of range for IPv6 (0..128)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings: { addresses: [10.7.0.1/2x] }
                        """, "profile.yaml:3: tunnel.settings.addresses[0]: '10.7.0.1/2x': prefix length '2x' is not a number"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            routes:
                              - 10.7.0.1/24
                        """, "profile.yaml:5: tunnel.settings.routes[0]: '10.7.0.1/24' has host bits set (did you mean 10.7.0.0/24?)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            excluded-routes: ["fd84:306d:fc4e::1/64"]
                        """, "profile.yaml:4: tunnel.settings.excluded-routes[0]: 'fd84:306d:fc4e::1/64' has host bits set (did you mean fd84:306d:fc4e::/64?)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings: { addresses: [10.7.0.0/24] }
                        """, "profile.yaml:3: tunnel.settings.addresses[0]: '10.7.0.0/24' is the network address of 10.7.0.0/24, not a host address (did you mean 10.7.0.1/24?)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings: { addresses: [10.7.0.1/24, 10.7.0.1/16] }
                        """, "profile.yaml:3: tunnel.settings.addresses[1]: '10.7.0.1/16' is listed twice (also tunnel.settings.addresses[0])"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings: { addresses: ["::ffff:10.0.0.1/24"] }
                        """, "profile.yaml:3: tunnel.settings.addresses[0]: '::ffff:10.0.0.1/24' is an IPv4-mapped IPv6 address; write the IPv4 address 10.0.0.1 instead"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            mtu: 100
                        """, "profile.yaml:4: tunnel.settings.mtu: mtu 100 is out of range (576..65535)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            addresses: [10.7.0.1/24, "fd84::1/64"]
                            mtu: 1200
                        """, "profile.yaml:5: tunnel.settings.mtu: mtu 1200 is below 1280, the minimum for IPv6 (RFC 8200 §5), and the addresses include fd84::1/64"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            mtu: "1400"
                        """, "profile.yaml:4: tunnel.settings.mtu: expected a number; got a string ('1400'); remove the quotes"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            mtu: 1400.5
                        """, "profile.yaml:4: tunnel.settings.mtu: expected a whole number; got a number (1400.5)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            table: 254
                        """, "profile.yaml:4: tunnel.settings.table: table 254 is the kernel's 'main' table; pick a number of your own (for example 51820), or leave 'table' out"),
                Arguments.of("""
                        tunnel:
                          provider: ""
                        """, "profile.yaml:2: tunnel.provider: is empty; name a built-in provider or a Java class implementing PacketTunnelProvider"),
                Arguments.of("""
                        tunnel:
                          interface: wg0
                        """, "profile.yaml:2: tunnel.provider: missing; name a built-in provider or a Java class implementing PacketTunnelProvider"),
                Arguments.of("""
                        tunnel:
                          provider: com.example.My Provider
                        """, "profile.yaml:2: tunnel.provider: 'com.example.My Provider' is neither a provider name nor a Java class name (like com.example.MyProvider)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          interface: netext-corporate0
                        """, "profile.yaml:3: tunnel.interface: 'netext-corporate0' is 17 characters long; Linux allows at most 15"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          interface: net/0
                        """, "profile.yaml:3: tunnel.interface: 'net/0' contains '/', which interface names cannot"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          interface: "net 0"
                        """, "profile.yaml:3: tunnel.interface: 'net 0' contains whitespace, which interface names cannot"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          provider: pong
                        """, "profile.yaml:3: tunnel.provider: duplicate key (first set on line 2)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            dns: { servers: [10.7.0.53/32] }
                        """, "profile.yaml:4: tunnel.settings.dns.servers[0]: '10.7.0.53/32' is a prefix; expected a plain address (drop '/32')"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            dns: { servers: [10.7.0.53], match-domains: [corp..example] }
                        """, "profile.yaml:4: tunnel.settings.dns.match-domains[0]: 'corp..example' is not a domain name: empty label (two dots in a row?)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            dns: { match-domains: [corp.example] }
                        """, "profile.yaml:4: tunnel.settings.dns.servers: match-domains and search-domains need at least one server to send the queries to"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            proxy: { http: "10.7.0.80" }
                        """, "profile.yaml:4: tunnel.settings.proxy.http: '10.7.0.80' is not host:port (port 1..65535)"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            proxy: { http: "proxy.corp.example:3128", pac: "http://wpad/proxy.pac" }
                        """, "profile.yaml:4: tunnel.settings.proxy.pac: use either a PAC URL or http/https servers, not both"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                          settings:
                            proxy:
                              http: "proxy.corp.example:3128"
                              exceptions:
                                - "*.local"
                                - "a b"
                        """, "profile.yaml:8: tunnel.settings.proxy.exceptions[1]: 'a b' contains whitespace; list one host pattern per item"),
                Arguments.of("""
                        enabled: "true"
                        tunnel: { provider: echo }
                        """, "profile.yaml:1: enabled: expected true or false; got a string ('true'); remove the quotes"),
                Arguments.of("""
                        name: corp vpn
                        tunnel: { provider: echo }
                        """, "profile.yaml:1: name: 'corp vpn' is not a valid profile name (use letters, digits, '.', '_' and '-', starting with a letter or digit)"),
                Arguments.of("""
                        - tunnel
                        """, "profile.yaml:1: a profile is a mapping with keys name, enabled, required, lists, tunnel, dns, packet-filter, filter, proxies, on-demand, memory; got a list"),
                Arguments.of("""
                        tunnel:
                          provider: &p echo
                          options: { name: *p }
                        """, "profile.yaml:3: tunnel.options.name: aliases ('*p') are not supported in profiles; write the value out"),
                Arguments.of("""
                        tunnel:
                          provider: *p
                        """, "profile.yaml:2: tunnel.provider: aliases ('*p') are not supported in profiles; write the value out"),
                Arguments.of("tunnel: { options: " + "[".repeat(100) + "]".repeat(100) + " }",
                        "profile.yaml:1: the document is nested deeper than 64 levels"),
                Arguments.of("", "profile.yaml:1: the file is empty; a profile needs at least a 'tunnel:' section"),
                Arguments.of("# nothing but a comment\n\n", "profile.yaml:1: the file is empty; a profile needs at least a 'tunnel:' section"),
                Arguments.of("""
                        tunnel:
                          provider: echo
                            settings: {}
                        """, "profile.yaml:3: tunnel: YAML syntax error at column 13: mapping values are not allowed here"),
                Arguments.of("""
                        tunnel:
                          provider: [echo
                        """, "profile.yaml:3: tunnel.provider: YAML syntax error at column 1: expected ',' or ']', but got <stream end>"),
                Arguments.of("""
                        tunnel: { provider: echo }
                        ---
                        tunnel: { provider: pong }
                        """, "profile.yaml:3: the file holds more than one YAML document ('---'); put one profile in each file"));
    }

    @ParameterizedTest
    @MethodSource("badProfiles")
    void badProfileGivesExactlyThisError(String yaml, String expected) {
        assertThat(errors(yaml)).containsExactly(expected);
    }

    @Test
    void everyErrorInAFileIsReportedInLineOrder() {
        assertThat(errors("""
                name: corp-vpn
                enabeld: true
                tunnel:
                  provider: echo
                  interface: "my tunnel"
                  settings:
                    addresses: [10.7.0.1/24, "fd84::zz/64"]
                    routes: [10.7.0.1/24]
                    mtu: 70000
                    dns: { servers: 10.7.0.53 }
                    proxy: { htp: "x:1" }
                """)).containsExactly(
                "profile.yaml:2: enabeld: unknown key (did you mean 'enabled'?)",
                "profile.yaml:5: tunnel.interface: 'my tunnel' contains whitespace, which interface names cannot",
                "profile.yaml:7: tunnel.settings.addresses[1]: 'fd84::zz/64' is not an IPv6 address",
                "profile.yaml:8: tunnel.settings.routes[0]: '10.7.0.1/24' has host bits set (did you mean 10.7.0.0/24?)",
                "profile.yaml:9: tunnel.settings.mtu: mtu 70000 is out of range (576..65535)",
                "profile.yaml:10: tunnel.settings.dns.servers: expected a list; got a string ('10.7.0.53'); for a single item write [10.7.0.53]",
                "profile.yaml:11: tunnel.settings.proxy.htp: unknown key (did you mean 'http'?)");
    }

    @Test
    void duplicatesAreAllReportedAndCheckingContinues() {
        assertThat(errors("""
                tunnel:
                  provider: echo
                  settings:
                    mtu: 1400
                    mtu: 1500
                    addresses: [10.7.0.1/24]
                    addresses: [10.8.0.1/24]
                    routes: [10.7.0.1/24]
                """)).containsExactly(
                "profile.yaml:5: tunnel.settings.mtu: duplicate key (first set on line 4)",
                "profile.yaml:7: tunnel.settings.addresses: duplicate key (first set on line 6)",
                "profile.yaml:8: tunnel.settings.routes[0]: '10.7.0.1/24' has host bits set (did you mean 10.7.0.0/24?)");
    }

    @Test
    void fileProblemsHaveNoLine(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("gone.yaml");
        assertThatThrownBy(() -> loader.load(missing)).isInstanceOf(ProfileException.class)
                .hasMessage(missing + ": cannot be read: no such file");
        Path binary = dir.resolve("bin.yaml");
        Files.write(binary, new byte[]{'a', ':', ' ', (byte) 0xC3, (byte) 0x28});
        assertThatThrownBy(() -> loader.load(binary)).hasMessage(binary + ": is not UTF-8 text");
        Path bad = dir.resolve("bad name.yaml");
        Files.writeString(bad, "tunnel: { provider: echo }\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> loader.load(bad)).hasMessage(bad + ":1: name: the file name gives the name 'bad name', which "
                + "is not a valid profile name (use letters, digits, '.', '_' and '-', starting with a letter or digit); add a 'name:' key");
    }

    @Test
    void didYouMeanNeedsACloseMatch() {
        assertThat(Suggest.closest("setings", List.of("provider", "settings"))).hasValue("settings");
        assertThat(Suggest.closest("Settings", List.of("settings"))).hasValue("settings");
        assertThat(Suggest.closest("matchDomains", List.of("match-domains"))).hasValue("match-domains");
        assertThat(Suggest.closest("mut", List.of("mtu"))).hasValue("mtu"); // a transposition is one edit
        assertThat(Suggest.closest("colour", List.of("name", "enabled", "tunnel"))).isEmpty();
        assertThat(Suggest.distance("kitten", "sitting")).isEqualTo(3);
    }
}
