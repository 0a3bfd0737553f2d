import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Rewrites the classes of a jar that are older than Java 6 (class file version < 50) as version 50 classes, the same
 * instructions re-emitted with the stack map frames the JDK's Class-File API computes: {@code java
 * UpgradeClassVersion.java JAR} (run by netext-cli's build on picocli's jar in dist/lib). Code the API cannot frame
 * (JSR/RET) throws, and fails the build.
 *
 * <p>Why: a JDK 25 AOT cache (JEP 483) skips every class older than version 50 that was linked during training ("Old
 * class has been linked"), and every class that extends or implements one. picocli is compiled for Java 5, so its
 * ~180 classes, and netext's option converters, were parsed, verified by the old type-inferring verifier and linked
 * from the jar at every start, on the main thread, before any command ran. Version 50 is the first the cache keeps,
 * and needs nothing else of the code (no JSR/RET rule, no invokedynamic); the frames let the split verifier check
 * it. Classes already at 50 or newer, and every other entry, are copied as they are; the jar is written beside and
 * moved over the original.
 */
public final class UpgradeClassVersion {
    private static final int JAVA_6 = ClassFile.JAVA_6_VERSION;

    public static void main(String[] args) throws IOException {
        if (args.length != 1) throw new IllegalArgumentException("usage: java UpgradeClassVersion.java JAR");
        Path jar = Path.of(args[0]);
        Path upgraded = jar.resolveSibling(jar.getFileName() + ".upgraded");
        int count = 0;
        try (JarFile in = new JarFile(jar.toFile(), false);
             URLClassLoader classes = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
             JarOutputStream out = new JarOutputStream(Files.newOutputStream(upgraded))) {
            // frames need the common super class of two types: read it from the jar itself, then from the JDK
            ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS, ClassFile.ClassHierarchyResolverOption.of(
                    ClassHierarchyResolver.ofResourceParsing(classes).orElse(ClassHierarchyResolver.defaultResolver())));
            // every method's code is rebuilt (so it gets frames), the version element replaced
            ClassTransform upgrade = ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                    .andThen((builder, element) -> {
                        if (element instanceof ClassFileVersion) builder.withVersion(JAVA_6, 0);
                        else builder.with(element);
                    });
            for (JarEntry e : (Iterable<JarEntry>) in.stream()::iterator) {
                byte[] bytes = in.getInputStream(e).readAllBytes();
                if (e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/")) {
                    ClassModel model = cf.parse(bytes);
                    if (model.majorVersion() < JAVA_6) {
                        bytes = cf.transformClass(model, upgrade);
                        count++;
                    }
                }
                JarEntry copy = new JarEntry(e.getName());
                copy.setTime(e.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        }
        Files.move(upgraded, jar, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("UpgradeClassVersion: " + jar.getFileName() + ": " + count + " classes rewritten as version " + JAVA_6);
    }
}
