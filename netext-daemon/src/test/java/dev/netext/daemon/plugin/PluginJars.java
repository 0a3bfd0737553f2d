package dev.netext.daemon.plugin;

import dev.netext.api.tunnel.PacketTunnelProvider;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/** Compiles small provider classes at test time and packs them into plugin jars. */
public final class PluginJars {

    private PluginJars() {}

    /** A provider class body that echoes nothing: enough to be a valid PacketTunnelProvider. */
    static String provider(String pkg, String simpleName, String modifiers, String extraMembers) {
        return """
                package %s;
                import dev.netext.api.tunnel.*;
                import java.util.Map;
                %s class %s implements PacketTunnelProvider {
                    %s
                    @Override public void startTunnel(TunnelContext context, Map<String, Object> options) {}
                    @Override public void stopTunnel(StopReason reason) {}
                }
                """.formatted(pkg, modifiers, simpleName, extraMembers);
    }

    /**
     * Compiles {@code sources} (binary class name → source) against netext-api and writes them into {@code jar},
     * with a {@code META-INF/services} file listing {@code services} if any.
     */
    static Path jar(Path jar, Map<String, String> sources, List<String> services) throws IOException {
        return jar(jar, sources, services, PacketTunnelProvider.class);
    }

    /** {@link #jar(Path, Map, List)} announcing {@code services} as implementations of {@code api}. */
    public static Path jar(Path jar, Map<String, String> sources, List<String> services, Class<?> api) throws IOException {
        Path work = Files.createTempDirectory("netext-plugin-src");
        Path src = work.resolve("src"), out = work.resolve("classes");
        Files.createDirectories(out);
        List<String> files = new ArrayList<>();
        for (var e : sources.entrySet()) {
            Path f = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(f.getParent());
            Files.writeString(f, e.getValue());
            files.add(f.toString());
        }
        String apiJar = Path.of(toUri(PacketTunnelProvider.class)).toString();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diag = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of("-classpath", apiJar, "-d", out.toString(), "--release", "25", "-nowarn"));
        args.addAll(files);
        int rc = javac.run(null, diag, diag, args.toArray(String[]::new));
        if (rc != 0) throw new IllegalStateException("javac failed:\n" + diag.toString(StandardCharsets.UTF_8));

        Files.createDirectories(jar.toAbsolutePath().getParent());
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os, mf);
             Stream<Path> classes = Files.walk(out)) {
            for (Path c : classes.filter(Files::isRegularFile).sorted().toList()) {
                jos.putNextEntry(new JarEntry(out.relativize(c).toString().replace('\\', '/')));
                jos.write(Files.readAllBytes(c));
                jos.closeEntry();
            }
            if (!services.isEmpty()) {
                jos.putNextEntry(new JarEntry("META-INF/services/" + api.getName()));
                jos.write((String.join("\n", services) + "\n").getBytes(StandardCharsets.UTF_8));
                jos.closeEntry();
            }
        }
        return jar;
    }

    private static java.net.URI toUri(Class<?> c) {
        try {
            return c.getProtectionDomain().getCodeSource().getLocation().toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
