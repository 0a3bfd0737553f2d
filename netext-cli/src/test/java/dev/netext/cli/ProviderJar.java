package dev.netext.cli;

import dev.netext.api.tunnel.PacketTunnelProvider;

import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** Compiles one provider class at test time into a plugin jar (as netext-daemon's PluginJars does). */
final class ProviderJar {
    private ProviderJar() {}

    /** {@code libraries}: classes whose jars javac needs besides the API (the daemon's class path has them at run time). */
    static Path write(Path jar, String className, String source, Class<?>... libraries) throws Exception {
        Path work = Files.createTempDirectory("netext-provider-src");
        try {
            Path src = work.resolve("src/" + className.replace('.', '/') + ".java"), out = work.resolve("classes");
            Files.createDirectories(src.getParent());
            Files.createDirectories(out);
            Files.writeString(src, source);
            StringBuilder classPath = new StringBuilder(codeSource(PacketTunnelProvider.class));
            for (Class<?> c : libraries) classPath.append(java.io.File.pathSeparator).append(codeSource(c));
            String api = classPath.toString();
            ByteArrayOutputStream diag = new ByteArrayOutputStream();
            int rc = ToolProvider.getSystemJavaCompiler().run(null, diag, diag,
                    "-classpath", api, "-d", out.toString(), "--release", "25", "-nowarn", src.toString());
            if (rc != 0) throw new IllegalStateException("javac failed:\n" + diag.toString(StandardCharsets.UTF_8));
            Files.createDirectories(jar.toAbsolutePath().getParent());
            try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os);
                 Stream<Path> classes = Files.walk(out)) {
                for (Path c : classes.filter(Files::isRegularFile).sorted().toList()) {
                    jos.putNextEntry(new JarEntry(out.relativize(c).toString()));
                    jos.write(Files.readAllBytes(c));
                    jos.closeEntry();
                }
            }
            return jar;
        } finally {
            try (Stream<Path> s = Files.walk(work)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static String codeSource(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** A provider that applies its settings, then fails from a loop after {@code millis}: a crash every start. */
    static Path crasher(Path jar, long millis) throws Exception {
        return write(jar, "crash.Crasher", """
                package crash;
                import dev.netext.api.tunnel.*;
                import java.util.Map;
                public class Crasher implements PacketTunnelProvider {
                    @Override public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
                        context.setTunnelNetworkSettings(context.profileSettings());
                        context.spawn("crash", () -> {
                            Thread.sleep(%d);
                            throw new IllegalStateException("crashed on purpose");
                        });
                    }
                    @Override public void stopTunnel(StopReason reason) {}
                }
                """.formatted(millis));
    }

    static List<String> classes() { return List.of("crash.Crasher"); }
}
