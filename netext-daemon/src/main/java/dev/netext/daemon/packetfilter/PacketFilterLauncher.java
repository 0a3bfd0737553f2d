package dev.netext.daemon.packetfilter;

import dev.netext.api.EventSink;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.daemon.plugin.ProviderResolutionException;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.daemon.profile.PacketFilterSection;
import dev.netext.daemon.profile.Profile;
import dev.netext.linux.nfqueue.Iptables;
import dev.netext.linux.nfqueue.NfqConfig;
import dev.netext.linux.state.StateLedger;
import dev.netext.packetfilter.PacketFilterConfig;
import dev.netext.packetfilter.PacketFilterEngine;
import dev.netext.packetfilter.builtin.BuiltinPacketProviders;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Starts a profile's packet filter: finds the provider ({@code rules}, or a class on the class path or in a jar in
 * the profile's {@code plugins/} directory) and runs it in a {@link PacketFilterEngine}.
 */
public final class PacketFilterLauncher {
    private PacketFilterLauncher() {}

    /** A fresh provider instance for {@code ref}. */
    public static FilterPacketProvider resolve(String ref, Path profileFile) throws ProviderResolutionException {
        String problem = ProviderResolver.syntaxProblem(ref);
        if (problem != null) throw new ProviderResolutionException(problem);
        Supplier<FilterPacketProvider> builtIn = BuiltinPacketProviders.ALL.get(ref);
        if (builtIn != null) return builtIn.get();
        if (ref.indexOf('.') < 0)
            throw new ProviderResolutionException("unknown packet filter provider '" + ref + "'; built-ins: "
                    + String.join(", ", BuiltinPacketProviders.ALL.keySet()) + "; or give a fully qualified class name");
        Class<?> c = load(ref, PacketFilterLauncher.class.getClassLoader());
        if (c == null) c = load(ref, pluginLoader(profileFile));
        if (c == null) throw new ProviderResolutionException("class '" + ref + "' not found on the class path or in "
                + pluginDir(profileFile));
        if (!FilterPacketProvider.class.isAssignableFrom(c))
            throw new ProviderResolutionException("'" + ref + "' does not implement " + FilterPacketProvider.class.getName());
        if (c.isInterface() || Modifier.isAbstract(c.getModifiers()) || !Modifier.isPublic(c.getModifiers()))
            throw new ProviderResolutionException("'" + ref + "' is not a public concrete class");
        try {
            return (FilterPacketProvider) c.getConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new ProviderResolutionException("cannot create '" + ref + "': " + e, e);
        }
    }

    private static Path pluginDir(Path profileFile) {
        Path parent = profileFile.toAbsolutePath().normalize().getParent();
        return (parent == null ? Path.of(".") : parent).resolve(ProviderResolver.PLUGIN_DIR);
    }

    private static ClassLoader pluginLoader(Path profileFile) throws ProviderResolutionException {
        Path dir = pluginDir(profileFile);
        if (!Files.isDirectory(dir)) return null;
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".jar")).sorted().toList()) jars.add(p.toUri().toURL());
        } catch (IOException e) {
            throw new ProviderResolutionException("cannot read " + dir + ": " + e.getMessage(), e);
        }
        return jars.isEmpty() ? null : new URLClassLoader("netext-packet-filter-plugins", jars.toArray(URL[]::new),
                PacketFilterLauncher.class.getClassLoader());
    }

    private static Class<?> load(String name, ClassLoader loader) {
        if (loader == null) return null;
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** Runs the profile's packet filter in this process's network namespace. */
    public static PacketFilterEngine launch(Profile profile, PacketFilterSection section, FilterPacketProvider provider,
                                            EventSink events) throws Exception {
        PacketFilterConfig config = new PacketFilterConfig(profile.name(), section.queue(), section.match(),
                section.failOpen(), section.options(), NfqConfig.DEFAULT_MAX_LENGTH, StateLedger.DEFAULT_DIR, false, null);
        return PacketFilterEngine.start(config, provider, events, new Iptables());
    }
}
