package dev.netext.daemon.plugin;

import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.daemon.profile.ProfileException;
import dev.netext.daemon.profile.ProfileLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProviderResolverTest {

    @TempDir Path dir;
    Path profile;
    Path shared;
    ProviderResolver resolver;
    final TestProviders.Ok builtInInstance = new TestProviders.Ok();

    @BeforeEach
    void setUp() {
        profile = dir.resolve("profiles/corp.yaml");
        shared = dir.resolve("etc-plugins");
        Map<String, Supplier<PacketTunnelProvider>> builtIns = Map.of("echo", () -> builtInInstance, "pong", TestProviders.Ok::new);
        resolver = new ProviderResolver(builtIns, List.of(shared), getClass().getClassLoader());
    }

    @AfterEach
    void tearDown() {
        resolver.close();
    }

    Path plugins() { return profile.getParent().resolve("plugins"); }

    String reason(String ref) {
        try {
            resolver.resolve(ref, profile);
        } catch (ProviderResolutionException e) {
            return e.reason();
        }
        throw new AssertionError("expected '" + ref + "' to fail");
    }

    @Test
    void builtInsComeFromTheRegistry() throws Exception {
        ResolvedPlugin<PacketTunnelProvider> r = resolver.resolve("echo", profile);
        assertThat(r.origin()).isEqualTo("built-in");
        assertThat(r.create()).isSameAs(builtInInstance);
        assertThat(resolver.builtInNames()).containsExactly("echo", "pong");
    }

    @Test
    void classesOnTheApplicationClassPath() throws Exception {
        ResolvedPlugin<PacketTunnelProvider> r = resolver.resolve(TestProviders.Ok.class.getName(), profile);
        assertThat(r.origin()).isEqualTo("class path");
        assertThat(r.type()).isEqualTo(TestProviders.Ok.class);
        assertThat(r.create()).isInstanceOf(TestProviders.Ok.class);
    }

    @Test
    void unusableClassesAreExplained() {
        assertThat(reason(TestProviders.NotAProvider.class.getName())).isEqualTo(
                "'dev.netext.daemon.plugin.TestProviders$NotAProvider' (class path) does not implement dev.netext.api.tunnel.PacketTunnelProvider");
        assertThat(reason(TestProviders.Abstract.class.getName())).isEqualTo(
                "'dev.netext.daemon.plugin.TestProviders$Abstract' (class path) is abstract; name a concrete class");
        assertThat(reason(TestProviders.NeedsArgs.class.getName())).isEqualTo(
                "'dev.netext.daemon.plugin.TestProviders$NeedsArgs' (class path) has no public no-argument constructor");
        assertThat(reason(PacketTunnelProvider.class.getName())).isEqualTo(
                "'dev.netext.api.tunnel.PacketTunnelProvider' (class path) is an interface; name a concrete class");
    }

    @Test
    void unknownNamesSuggestTheClosest() {
        assertThat(reason("ecoh")).isEqualTo(
                "unknown provider 'ecoh' (did you mean 'echo'?); built-ins: echo, pong; or give a fully qualified class name");
        assertThat(reason("com.example.Missing")).isEqualTo("class 'com.example.Missing' not found on the class path or in plugin jars ("
                + plugins() + ", " + shared + ")");
        assertThat(reason(" ")).startsWith("is empty");
    }

    @Test
    void providerInAPluginJarNextToTheProfileIsFoundInItsOwnLoader() throws Exception {
        PluginJars.jar(plugins().resolve("acme.jar"),
                Map.of("com.acme.AcmeProvider", PluginJars.provider("com.acme", "AcmeProvider", "public",
                        "static { if (Boolean.TRUE) throw new IllegalStateException(\"static init ran\"); }")),
                List.of());
        ResolvedPlugin<PacketTunnelProvider> r = resolver.resolve("com.acme.AcmeProvider", profile);
        assertThat(r.origin()).isEqualTo(plugins().resolve("acme.jar").toString());
        assertThat(r.type().getClassLoader()).isNotSameAs(getClass().getClassLoader()).isSameAs(r.classLoader());
        assertThat(r.classLoader().getParent()).isSameAs(getClass().getClassLoader());
        // resolving ran no plugin code: the static initialiser would have thrown
        assertThatThrownBy(r::create).isInstanceOf(ExceptionInInitializerError.class);
        // a second resolve reuses the cached loader
        assertThat(resolver.resolve("com.acme.AcmeProvider", profile).type()).isSameAs(r.type());
    }

    @Test
    void pluginsAreIsolatedFromEachOther() throws Exception {
        PluginJars.jar(plugins().resolve("a.jar"),
                Map.of("com.a.Helper", "package com.a; public class Helper {}",
                        "com.a.AProvider", PluginJars.provider("com.a", "AProvider", "public", "")), List.of());
        PluginJars.jar(plugins().resolve("b.jar"),
                Map.of("com.b.BProvider", PluginJars.provider("com.b", "BProvider", "public", "")), List.of());
        ResolvedPlugin<PacketTunnelProvider> a = resolver.resolve("com.a.AProvider", profile);
        ResolvedPlugin<PacketTunnelProvider> b = resolver.resolve("com.b.BProvider", profile);
        assertThat(a.classLoader()).isNotSameAs(b.classLoader());
        assertThat(Class.forName("com.a.Helper", false, a.classLoader())).isNotNull();
        assertThatThrownBy(() -> Class.forName("com.a.Helper", false, b.classLoader())).isInstanceOf(ClassNotFoundException.class);
        assertThat(a.create()).isInstanceOf(PacketTunnelProvider.class);
    }

    @Test
    void aDirectoryOfJarsIsOnePluginSharingALoader() throws Exception {
        PluginJars.jar(plugins().resolve("wg/lib.jar"), Map.of("com.wg.lib.Crypto", "package com.wg.lib; public class Crypto {}"), List.of());
        PluginJars.jar(plugins().resolve("wg/provider.jar"),
                Map.of("com.wg.WgProvider", PluginJars.provider("com.wg", "WgProvider", "public", "")), List.of());
        ResolvedPlugin<PacketTunnelProvider> r = resolver.resolve("com.wg.WgProvider", profile);
        assertThat(r.origin()).isEqualTo(plugins().resolve("wg").toString());
        assertThat(Class.forName("com.wg.lib.Crypto", false, r.classLoader()).getClassLoader()).isSameAs(r.classLoader());
    }

    @Test
    void sharedPluginDirectoryIsSearchedToo() throws Exception {
        PluginJars.jar(shared.resolve("shared.jar"),
                Map.of("com.shared.SharedProvider", PluginJars.provider("com.shared", "SharedProvider", "public", "")), List.of());
        assertThat(resolver.resolve("com.shared.SharedProvider", profile).origin()).isEqualTo(shared.resolve("shared.jar").toString());
    }

    @Test
    void serviceLoaderDiscoveryBySimpleOrFullName() throws Exception {
        PluginJars.jar(plugins().resolve("svc.jar"),
                Map.of("com.svc.FancyTunnel", PluginJars.provider("com.svc", "FancyTunnel", "public", "")),
                List.of("com.svc.FancyTunnel"));
        ResolvedPlugin<PacketTunnelProvider> bySimple = resolver.resolve("FancyTunnel", profile);
        assertThat(bySimple.type().getName()).isEqualTo("com.svc.FancyTunnel");
        assertThat(bySimple.create().getClass().getName()).isEqualTo("com.svc.FancyTunnel");
        assertThat(resolver.resolve("com.svc.FancyTunnel", profile).type()).isSameAs(bySimple.type());
        assertThat(reason("FancyTunel")).isEqualTo("unknown provider 'FancyTunel' (did you mean 'FancyTunnel'?); built-ins: echo, pong; "
                + "plugin providers: com.svc.FancyTunnel; or give a fully qualified class name");
    }

    @Test
    void wrongClassesInPluginsAreExplained() throws Exception {
        PluginJars.jar(plugins().resolve("bad.jar"), Map.of(
                "com.bad.NoDefaultCtor", PluginJars.provider("com.bad", "NoDefaultCtor", "public", "public NoDefaultCtor(int x) {}"),
                "com.bad.Hidden", PluginJars.provider("com.bad", "Hidden", "", ""),
                "com.bad.Plain", "package com.bad; public class Plain {}"), List.of());
        String jar = plugins().resolve("bad.jar").toString();
        assertThat(reason("com.bad.NoDefaultCtor")).isEqualTo("'com.bad.NoDefaultCtor' (" + jar + ") has no public no-argument constructor");
        assertThat(reason("com.bad.Hidden")).isEqualTo("'com.bad.Hidden' (" + jar + ") is not public");
        assertThat(reason("com.bad.Plain")).isEqualTo("'com.bad.Plain' (" + jar + ") does not implement dev.netext.api.tunnel.PacketTunnelProvider");
        assertThat(reason("com.bad.NoDefaultCtr")).isEqualTo("class 'com.bad.NoDefaultCtr' not found on the class path or in plugin jars ("
                + plugins() + ", " + shared + ") (did you mean 'com.bad.NoDefaultCtor'?)");
    }

    @Test
    void theLoaderReportsProviderProblemsAtTheProviderLine() throws Exception {
        PluginJars.jar(plugins().resolve("acme.jar"),
                Map.of("com.acme.Good", PluginJars.provider("com.acme", "Good", "public", "")), List.of());
        Files.createDirectories(profile.getParent());
        ProfileLoader loader = new ProfileLoader(resolver);

        Files.writeString(profile, """
                tunnel:
                  provider: com.acme.Good
                """);
        assertThat(loader.load(profile).tunnel().orElseThrow().provider()).isEqualTo("com.acme.Good");

        Files.writeString(profile, """
                name: corp
                tunnel:
                  settings: { mtu: 1400 }
                  provider: com.acme.Missing
                """);
        assertThatThrownBy(() -> loader.load(profile)).isInstanceOf(ProfileException.class).hasMessage(
                profile + ":4: tunnel.provider: class 'com.acme.Missing' not found on the class path or in plugin jars ("
                        + plugins() + ", " + shared + ")");

        Files.writeString(profile, """
                tunnel:
                  interface: wg0
                """);
        assertThatThrownBy(() -> loader.load(profile)).hasMessage(
                profile + ":2: tunnel.provider: missing; name a built-in provider (echo, pong) or a Java class implementing PacketTunnelProvider");
    }

    @Test
    void syntaxProblems() {
        assertThat(ProviderResolver.syntaxProblem("echo")).isNull();
        assertThat(ProviderResolver.syntaxProblem("wire-guard_2")).isNull();
        assertThat(ProviderResolver.syntaxProblem("com.example.Outer$Inner")).isNull();
        assertThat(ProviderResolver.syntaxProblem("com..Example")).contains("neither a provider name nor a Java class name");
        assertThat(ProviderResolver.syntaxProblem("1com.Example")).contains("neither");
        assertThat(ProviderResolver.syntaxProblem("")).startsWith("is empty");
    }
}
