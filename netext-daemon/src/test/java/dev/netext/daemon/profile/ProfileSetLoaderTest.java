package dev.netext.daemon.profile;

import dev.netext.api.ondemand.EvaluationRule;
import dev.netext.api.ondemand.InterfaceType;
import dev.netext.api.ondemand.OnDemandRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ProfileSetLoaderTest {
    @TempDir
    Path dir;

    final ProfileSetLoader loader = new ProfileSetLoader(new ProfileLoader());

    private Path write(String file, String yaml) throws Exception {
        Path p = dir.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, yaml);
        return p;
    }

    private List<String> errors(Path directory, List<Path> files) {
        ProfileException e = catchThrowableOfType(ProfileException.class, () -> loader.load(directory, files));
        assertThat(e).as("expected the set to be refused").isNotNull();
        return e.errors().stream().map(ProfileError::toString).toList();
    }

    @Test
    void loadsEveryYamlOfTheDirectoryAndExtraFilesSkippingHiddenAndBackups() throws Exception {
        write("d/a.yaml", "tunnel: { provider: echo }\n");
        write("d/b.yml", "name: bee\ntunnel: { provider: pong }\n");
        write("d/.hidden.yaml", "nonsense: [");
        write("d/a.yaml~", "nonsense: [");
        write("d/notes.txt", "nonsense: [");
        Path extra = write("extra/x.yaml", "enabled: false\ntunnel: { provider: echo }\n");
        ProfileSet set = loader.load(dir.resolve("d"), List.of(extra));
        assertThat(set.profiles().keySet()).containsExactly("a", "bee", "x");
        assertThat(set.get("x").orElseThrow().enabled()).isFalse();
        assertThat(loader.load(dir.resolve("missing"), List.of()).profiles()).isEmpty();
    }

    @Test
    void theSetIsRefusedWithEveryProblemOfEveryFileAndAcrossFiles() throws Exception {
        write("d/one.yaml", """
                name: corp
                tunnel:
                  provider: echo
                  interface: nx0
                """);
        write("d/two.yaml", """
                # same name as one.yaml
                name: corp
                tunnel:
                  provider: echo
                """);
        write("d/three.yaml", """
                tunnel:
                  provider: pong
                  interface: nx0
                """);
        write("d/four.yaml", """
                tunnel:
                  provider: echo
                  mtu: 9000
                """);
        write("d/five.yaml", """
                on-demand:
                  - action: connect
                """);
        List<String> errors = errors(dir.resolve("d"), List.of());
        assertThat(errors).anyMatch(e -> e.matches(".*two\\.yaml:2: name: profile name 'corp' is also used by .*one\\.yaml"));
        assertThat(errors).anyMatch(e -> e.matches(".*three\\.yaml:3: tunnel\\.interface: interface 'nx0' is already asked for by profile 'corp' .*"));
        assertThat(errors).anyMatch(e -> e.matches(".*four\\.yaml:3: tunnel\\.mtu: unknown key.*"));
        assertThat(errors).anyMatch(e -> e.matches(".*five\\.yaml:1: on-demand: on-demand rules start and stop a tunnel, but this profile has no tunnel section"));
    }

    @Test
    void onDemandRulesParse() throws Exception {
        Profile p = new ProfileLoader().parse("""
                tunnel: { provider: echo }
                on-demand:
                  - action: disconnect
                    interface: "home*"
                    interface-type: wifi
                    dns-search-domains: [home.arpa]
                    dns-servers: [192.168.1.0/24]
                    probe-url: http://router.home.arpa/
                  - action: evaluate-connection
                    domains:
                      - { domains: [corp.example, Corp.Internal.], action: connect-if-needed, probe-url: "https://intranet.corp.example/" }
                      - { domains: [public.corp.example], action: never-connect }
                  - action: connect
                """, dir.resolve("p.yaml"));
        assertThat(p.onDemand()).hasSize(3);
        OnDemandRule.Disconnect d = (OnDemandRule.Disconnect) p.onDemand().get(0);
        assertThat(d.match().interfaceName()).contains("home*");
        assertThat(d.match().interfaceType()).contains(InterfaceType.WIFI);
        assertThat(d.match().dnsServers()).hasSize(1);
        assertThat(d.match().probeUrl()).isPresent();
        OnDemandRule.EvaluateConnection ec = (OnDemandRule.EvaluateConnection) p.onDemand().get(1);
        assertThat(ec.rules().getFirst().domains()).containsExactly("corp.example", "corp.internal");
        assertThat(ec.ruleFor("a.public.corp.example")).map(EvaluationRule::action).contains(EvaluationRule.Action.CONNECT_IF_NEEDED);
        assertThat(ec.rules().get(1).action()).isEqualTo(EvaluationRule.Action.NEVER_CONNECT);
        assertThat(p.onDemand().get(2)).isEqualTo(new OnDemandRule.Connect(null));
        assertThat(p.describe()).contains("on-demand: 3 rule(s)");
        assertThat(new ProfileLoader().parse("tunnel: { provider: echo }\n", dir.resolve("q.yaml")).onDemand()).isEmpty();
        assertThat(Optional.of(p.tunnel())).isPresent();
    }

    @Test
    void badOnDemandRulesNameLineKeyAndReason() {
        String yaml = """
                tunnel: { provider: echo }
                on-demand:
                  - action: conect
                  - action: connect
                    interface: "w*lan"
                    interface-type: cellular
                    probe-url: ftp://x/
                    dns-servers: [10.0.0.0/33]
                  - action: evaluate-connection
                  - action: evaluate-connection
                    domains:
                      - { domains: [corp.example], action: never-connect, probe-url: "http://x/" }
                      - { action: connect-if-needed }
                  - action: connect
                    domains:
                      - { domains: [x.example], action: connect-if-needed }
                  - action: ignore
                    colour: blue
                """;
        ProfileException e = catchThrowableOfType(ProfileException.class, () -> new ProfileLoader().parse(yaml, Path.of("p.yaml")));
        List<String> m = e.errors().stream().map(ProfileError::toString).toList();
        assertThat(m).contains(
                "p.yaml:3: on-demand[0].action: 'conect' is not one of connect, disconnect, evaluate-connection, ignore (did you mean 'connect'?)",
                "p.yaml:5: on-demand[1].interface: 'w*lan': '*' is allowed only at the end (a prefix match, like wlan*)",
                "p.yaml:6: on-demand[1].interface-type: 'cellular' is not one of wired, wifi, other",
                "p.yaml:7: on-demand[1].probe-url: 'ftp://x/' is not an http:// or https:// URL",
                "p.yaml:12: on-demand[3].domains[0].probe-url: applies only to connect-if-needed",
                "p.yaml:15: on-demand[4].domains: applies only to action evaluate-connection",
                "p.yaml:18: on-demand[5].colour: unknown key; expected one of action, interface, interface-type, dns-search-domains, dns-servers, probe-url, domains");
        assertThat(m).anyMatch(s -> s.startsWith("p.yaml:8: on-demand[1].dns-servers[0]:"));
        assertThat(m).anyMatch(s -> s.startsWith("p.yaml:9: on-demand[2].domains: missing"));
        assertThat(m).anyMatch(s -> s.startsWith("p.yaml:13: on-demand[3].domains[1].domains: missing"));
    }
    @Test
    void atStartABrokenFileIsLeftOutAndReportedWhileTheOthersLoad() throws Exception {
        write("d/a.yaml", "tunnel: { provider: echo }\n");
        write("d/b.yaml", "tunnel: { provider: pong }\n");
        write("d/c.yaml", "name: c\ntunel: { provider: echo }\n");
        write("d/d.yaml", "name: a\ntunnel: { provider: echo }\n"); // a's name again: d is the later file
        ProfileSetLoader.Partial p = loader.loadSkippingBroken(dir.resolve("d"), List.of());
        assertThat(p.set().profiles().keySet()).containsExactly("a", "b");
        assertThat(p.broken()).extracting(b -> b.file().getFileName().toString()).containsExactly("c.yaml", "d.yaml");
        assertThat(p.broken()).noneMatch(ProfileSetLoader.BrokenProfile::required);
        assertThat(p.broken().getFirst().errors().getFirst().toString()).contains("c.yaml:2: tunel: unknown key").contains("'tunnel'");
        assertThat(p.broken().get(1).errors().getFirst().toString()).contains("d.yaml:1: name: profile name 'a' is also used by");
        // a reload still refuses the set as a whole
        assertThat(errors(dir.resolve("d"), List.of())).hasSize(2);
    }

    @Test
    void aBrokenRequiredFileRefusesTheWholeSetAtStart() throws Exception {
        write("d/a.yaml", "tunnel: { provider: echo }\n");
        write("d/c.yaml", "required: true\ntunel: { provider: echo }\n");
        ProfileException e = catchThrowableOfType(ProfileException.class, () -> loader.loadSkippingBroken(dir.resolve("d"), List.of()));
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).contains("c.yaml:2: tunel: unknown key");
        // a YAML syntax error does not hide the mark; 'required: false' and a valid required profile change nothing
        write("d/c.yaml", "required: true\ntunnel: [\n");
        assertThat(catchThrowableOfType(ProfileException.class, () -> loader.loadSkippingBroken(dir.resolve("d"), List.of()))).isNotNull();
        write("d/c.yaml", "required: false\ntunel: { provider: echo }\n");
        assertThat(loader.loadSkippingBroken(dir.resolve("d"), List.of()).set().profiles().keySet()).containsExactly("a");
        write("d/c.yaml", "required: true\ntunnel: { provider: echo }\n");
        assertThat(loader.loadSkippingBroken(dir.resolve("d"), List.of()).set().profiles().keySet()).containsExactly("a", "c");
        // the key is checked like every other
        write("d/c.yaml", "required: maybe\ntunnel: { provider: echo }\n");
        assertThat(errors(dir.resolve("d"), List.of())).singleElement().asString().contains("c.yaml:1: required: expected true or false");
    }
}
