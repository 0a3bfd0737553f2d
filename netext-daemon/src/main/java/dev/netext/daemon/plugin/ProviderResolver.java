package dev.netext.daemon.plugin;

import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.daemon.profile.Suggest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Finds the {@link PacketTunnelProvider} a profile names in {@code tunnel.provider}:
 * <ol>
 *   <li>a built-in name from the registry given to the constructor ({@code echo}, {@code pong});</li>
 *   <li>a fully qualified class name, from the application class path, then from plugin jars;</li>
 *   <li>a class announced in {@code META-INF/services/dev.netext.api.tunnel.PacketTunnelProvider} of a plugin jar
 *       (or the class path), named by its simple name or its fully qualified name.</li>
 * </ol>
 *
 * <p>Plugin jars live in {@code plugins/} next to the profile, then in the shared directories
 * ({@value #SYSTEM_PLUGIN_DIR_NAME} by default). Each {@code *.jar} in such a directory is one plugin with a class
 * loader of its own; a subdirectory holding jars is one plugin whose jars share a loader (a provider plus its
 * libraries). Loaders delegate to the application loader first, so every plugin sees the same netext API, and plugins
 * cannot see each other.
 *
 * <p>Classes are loaded without being initialised and no instance is made: resolving runs no plugin code.
 * Loaders are cached per plugin (and replaced when its jars change) until {@link #close()}.
 */
public final class ProviderResolver implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProviderResolver.class);

    static final String SYSTEM_PLUGIN_DIR_NAME = "/etc/netext/plugins";
    public static final Path SYSTEM_PLUGIN_DIR = Path.of(SYSTEM_PLUGIN_DIR_NAME);
    /** The directory next to a profile file that holds that profile's plugin jars. */
    public static final String PLUGIN_DIR = "plugins";

    private final Map<String, Supplier<PacketTunnelProvider>> builtIns;
    private final List<Path> sharedPluginDirs;
    private final ClassLoader appLoader;
    private final Map<Path, Plugin> plugins = new HashMap<>();
    private final List<URLClassLoader> allLoaders = new ArrayList<>();
    private boolean closed;

    /** A resolver with the given built-ins, the shared plugin directory /etc/netext/plugins and this class's loader. */
    public ProviderResolver(Map<String, Supplier<PacketTunnelProvider>> builtIns) {
        this(builtIns, List.of(SYSTEM_PLUGIN_DIR), ProviderResolver.class.getClassLoader());
    }

    /**
     * @param builtIns         built-in providers by name
     * @param sharedPluginDirs plugin directories searched after the profile's own {@code plugins/} (missing ones are skipped)
     * @param appLoader        the application class loader: searched first, and the parent of every plugin loader
     */
    public ProviderResolver(Map<String, Supplier<PacketTunnelProvider>> builtIns, List<Path> sharedPluginDirs,
                            ClassLoader appLoader) {
        this.builtIns = Map.copyOf(builtIns);
        this.sharedPluginDirs = List.copyOf(sharedPluginDirs);
        this.appLoader = appLoader;
    }

    /** The built-in names, sorted. */
    public Set<String> builtInNames() {
        return new TreeSet<>(builtIns.keySet());
    }

    /** The plugin directories searched for a profile at {@code profileFile}, in order. */
    public List<Path> pluginDirs(Path profileFile) {
        List<Path> dirs = new ArrayList<>();
        Path parent = profileFile.toAbsolutePath().normalize().getParent();
        if (parent != null) dirs.add(parent.resolve(PLUGIN_DIR));
        for (Path d : sharedPluginDirs) if (!dirs.contains(d)) dirs.add(d);
        return dirs;
    }

    /**
     * Why {@code ref} cannot even name a provider (empty, spaces, not a Java name), or null if its spelling is fine.
     * Cheap and independent of any class path, so the loader checks it even without a resolver.
     */
    public static String syntaxProblem(String ref) {
        if (ref == null || ref.isBlank()) return "is empty; name a built-in provider or a Java class";
        if (ref.matches("[A-Za-z0-9_-]+")) return null;
        String[] parts = ref.split("\\.", -1);
        for (String part : parts) {
            if (part.isEmpty() || !Character.isJavaIdentifierStart(part.charAt(0))
                    || !part.chars().allMatch(Character::isJavaIdentifierPart)) {
                return "'" + ref + "' is neither a provider name nor a Java class name (like com.example.MyProvider)";
            }
        }
        return null;
    }

    /** Finds and checks the provider {@code ref} names for the profile at {@code profileFile}. Runs no plugin code. */
    public synchronized ResolvedPlugin<PacketTunnelProvider> resolve(String ref, Path profileFile) throws ProviderResolutionException {
        if (closed) throw new IllegalStateException("resolver is closed");
        String problem = syntaxProblem(ref);
        if (problem != null) throw new ProviderResolutionException(problem);
        Supplier<PacketTunnelProvider> builtIn = builtIns.get(ref);
        if (builtIn != null) return new ResolvedPlugin<>(ref, "built-in", null, appLoader, builtIn);
        return find(PacketTunnelProvider.class, ref, profileFile, builtIns.keySet());
    }

    /**
     * Finds and checks a provider of another kind ({@code api}, e.g. {@code FilterDataProvider}) that {@code ref}
     * names: a class on the class path or in a plugin jar, or a class announced for {@code api} in
     * {@code META-INF/services}; the same search, loaders and checks as for tunnel providers. The caller handles its
     * built-ins ({@code builtInNames} only make the error messages complete). Runs no plugin code.
     */
    public synchronized <P> ResolvedPlugin<P> resolve(Class<P> api, String ref, Path profileFile, Set<String> builtInNames)
            throws ProviderResolutionException {
        if (closed) throw new IllegalStateException("resolver is closed");
        String problem = syntaxProblem(ref);
        if (problem != null) throw new ProviderResolutionException(problem);
        return find(api, ref, profileFile, builtInNames);
    }

    private <P> ResolvedPlugin<P> find(Class<P> api, String ref, Path profileFile, Set<String> builtInNames)
            throws ProviderResolutionException {
        List<Plugin> plugins = plugins(profileFile);
        List<String> notes = new ArrayList<>();
        if (ref.indexOf('.') >= 0) {
            Class<?> c = load(ref, appLoader, "the class path");
            if (c != null) return checked(api, ref, c, "class path");
            for (Plugin p : plugins) {
                c = load(ref, p.loader(), p.describe());
                if (c != null && c.getClassLoader() == p.loader()) return checked(api, ref, c, p.describe());
            }
        }
        // ServiceLoader discovery, by simple or fully qualified name
        List<Match> matches = new ArrayList<>();
        Set<String> serviceNames = new TreeSet<>();
        services(api, appLoader, null, "class path", ref, matches, serviceNames, notes);
        for (Plugin p : plugins) services(api, p.loader(), p.loader(), p.describe(), ref, matches, serviceNames, notes);
        if (matches.size() > 1) {
            throw new ProviderResolutionException("'" + ref + "' is ambiguous: " + matches.stream()
                    .map(m -> m.type().getName() + " (" + m.origin() + ")").toList() + "; use the fully qualified class name");
        }
        if (matches.size() == 1) return checked(api, ref, matches.getFirst().type(), matches.getFirst().origin());

        String where = pluginDirs(profileFile).stream().map(Path::toString).reduce((a, b) -> a + ", " + b).orElse("");
        String noteText = notes.isEmpty() ? "" : "; note: " + String.join("; ", notes);
        if (ref.indexOf('.') >= 0) {
            Set<String> candidates = new TreeSet<>(serviceNames);
            for (Plugin p : plugins) candidates.addAll(p.classNames());
            throw new ProviderResolutionException("class '" + ref + "' not found on the class path or in plugin jars ("
                    + where + ")" + Suggest.hint(ref, candidates) + noteText);
        }
        Set<String> names = new TreeSet<>(builtInNames);
        for (String s : serviceNames) names.add(s.substring(s.lastIndexOf('.') + 1));
        throw new ProviderResolutionException("unknown provider '" + ref + "'" + Suggest.hint(ref, names)
                + "; built-ins: " + (builtInNames.isEmpty() ? "none" : String.join(", ", new TreeSet<>(builtInNames)))
                + (serviceNames.isEmpty() ? "" : "; plugin providers: " + String.join(", ", serviceNames))
                + "; or give a fully qualified class name" + noteText);
    }

    private record Match(Class<?> type, String origin) {}

    private static void services(Class<?> api, ClassLoader loader, ClassLoader only, String origin, String ref,
                                 List<Match> matches, Set<String> names, List<String> notes) {
        try {
            ServiceLoader.load(api, loader).stream().forEach(p -> {
                Class<?> t;
                try {
                    t = p.type();
                } catch (ServiceConfigurationError | LinkageError e) {
                    notes.add(origin + ": " + e.getMessage());
                    return;
                }
                if (only != null && t.getClassLoader() != only) return;
                names.add(t.getName());
                if (t.getName().equals(ref) || t.getSimpleName().equals(ref)) {
                    if (matches.stream().noneMatch(m -> m.type() == t)) matches.add(new Match(t, origin));
                }
            });
        } catch (ServiceConfigurationError | LinkageError e) {
            notes.add(origin + ": " + e.getMessage());
        }
    }

    private static Class<?> load(String name, ClassLoader loader, String origin) throws ProviderResolutionException {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException e) {
            return null;
        } catch (LinkageError e) {
            throw new ProviderResolutionException("class '" + name + "' (" + origin + ") cannot be loaded: " + e
                    + (e instanceof NoClassDefFoundError ? " (is a library missing from the plugin?)" : ""), e);
        }
    }

    /** Checks the class is a usable provider: implements the API, public, concrete, public no-arg constructor. */
    private static <P> ResolvedPlugin<P> checked(Class<P> api, String ref, Class<?> c, String origin)
            throws ProviderResolutionException {
        String name = "'" + c.getName() + "' (" + origin + ")";
        if (!api.isAssignableFrom(c)) {
            boolean otherApi = false;
            for (Class<?> i : c.getInterfaces()) otherApi |= i.getName().equals(api.getName());
            throw new ProviderResolutionException(name + " does not implement " + api.getName()
                    + (otherApi ? " (it implements a different copy of it: remove netext-api from the plugin)" : ""));
        }
        int mod = c.getModifiers();
        if (c.isInterface() || Modifier.isAbstract(mod))
            throw new ProviderResolutionException(name + " is " + (c.isInterface() ? "an interface" : "abstract") + "; name a concrete class");
        if (!Modifier.isPublic(mod)) throw new ProviderResolutionException(name + " is not public");
        if (c.getEnclosingClass() != null && !Modifier.isStatic(mod))
            throw new ProviderResolutionException(name + " is an inner class; make it static");
        Constructor<?> ctor;
        try {
            ctor = c.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new ProviderResolutionException(name + " has no public no-argument constructor");
        } catch (LinkageError | SecurityException e) {
            throw new ProviderResolutionException(name + " cannot be inspected: " + e, e);
        }
        Class<? extends P> type = c.asSubclass(api);
        ClassLoader cl = c.getClassLoader();
        return new ResolvedPlugin<>(ref, origin, type, cl, () -> {
            try {
                return api.cast(ctor.newInstance());
            } catch (InvocationTargetException e) {
                throw new IllegalStateException("constructor of " + c.getName() + " failed: " + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot create " + c.getName() + ": " + e, e);
            }
        });
    }

    // ---- plugin discovery ----

    /** One plugin: a jar, or a directory of jars, with its loader. */
    private record Plugin(Path path, List<Path> jars, List<String> fingerprint, URLClassLoader loader) {
        String describe() { return path.toString(); }

        List<String> classNames() {
            List<String> names = new ArrayList<>();
            for (Path jar : jars) {
                try (JarFile jf = new JarFile(jar.toFile())) {
                    Enumeration<JarEntry> en = jf.entries();
                    while (en.hasMoreElements()) {
                        String n = en.nextElement().getName();
                        if (n.endsWith(".class") && !n.contains("$") && !n.startsWith("META-INF/") && !n.endsWith("module-info.class"))
                            names.add(n.substring(0, n.length() - 6).replace('/', '.'));
                    }
                } catch (IOException e) {
                    // unreadable jar: nothing to suggest from it
                }
            }
            return names;
        }
    }

    private List<Plugin> plugins(Path profileFile) {
        List<Plugin> out = new ArrayList<>();
        for (Path dir : pluginDirs(profileFile)) {
            if (!Files.isDirectory(dir)) continue;
            Map<Path, List<Path>> units = new LinkedHashMap<>();
            for (Path p : sortedChildren(dir)) {
                if (isJar(p)) units.put(p, List.of(p));
                else if (Files.isDirectory(p)) {
                    List<Path> jars = sortedChildren(p).stream().filter(ProviderResolver::isJar).toList();
                    if (!jars.isEmpty()) units.put(p, jars);
                }
            }
            units.forEach((path, jars) -> {
                Plugin p = plugin(path, jars);
                if (p != null) out.add(p);
            });
        }
        return out;
    }

    private Plugin plugin(Path path, List<Path> jars) {
        List<String> fingerprint = new ArrayList<>();
        for (Path j : jars) {
            try {
                BasicFileAttributes a = Files.readAttributes(j, BasicFileAttributes.class);
                fingerprint.add(j + ":" + a.size() + ":" + a.lastModifiedTime().toMillis());
            } catch (IOException e) {
                fingerprint.add(j + ":?");
            }
        }
        Plugin cached = plugins.get(path);
        if (cached != null && cached.fingerprint().equals(fingerprint)) return cached;
        URL[] urls = new URL[jars.size()];
        try {
            for (int i = 0; i < urls.length; i++) urls[i] = jars.get(i).toUri().toURL();
        } catch (MalformedURLException e) {
            log.warn("skipping plugin {}: {}", path, e.toString());
            return null;
        }
        // Old loaders stay open: providers started from them may still be running. They close with the resolver.
        URLClassLoader loader = new URLClassLoader("netext-plugin:" + path.getFileName(), urls, appLoader);
        allLoaders.add(loader);
        Plugin p = new Plugin(path, jars, fingerprint, loader);
        plugins.put(path, p);
        log.debug("plugin {} with {} jar(s)", path, jars.size());
        return p;
    }

    private static boolean isJar(Path p) {
        return p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p);
    }

    private static List<Path> sortedChildren(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            log.warn("cannot list plugin directory {}: {}", dir, e.toString());
            return List.of();
        }
    }

    /** Closes every plugin class loader this resolver opened. Providers from them must have stopped. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (URLClassLoader l : allLoaders) {
            try {
                l.close();
            } catch (IOException e) {
                log.debug("closing {}: {}", l.getName(), e.toString());
            }
        }
        allLoaders.clear();
        plugins.clear();
    }

    // for tests and diagnostics
    synchronized Collection<String> loadedPlugins() {
        return plugins.keySet().stream().map(Path::toString).sorted().toList();
    }
}
