package dev.netext.linux.sys;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

/**
 * Kernel parameters under {@code /proc/sys}, read and written as files rather than by running {@code sysctl}: one
 * fewer process, and errors come back as the kernel's own {@code EINVAL}/{@code EPERM} on the write.
 *
 * <p>Names are accepted in either form {@code sysctl(8)} knows: dotted ({@code net.ipv4.conf.all.rp_filter}) or
 * slashed ({@code net/ipv4/conf/all/rp_filter}). A dotted name cannot address an interface whose own name contains
 * a dot ({@code eth0.100}), because every dot becomes a slash; use the slashed form for those. A name containing a
 * slash is taken as slashed, so dots in it are kept.
 *
 * <p>The {@code net.*} tree is per network namespace, and the kernel picks the namespace of the <em>calling
 * thread</em> when the file is opened. Called from {@code NetworkNamespace.runInside}, these methods therefore
 * read and write that namespace's values, not the host's.
 */
public final class Sysctl {
    private static final Path ROOT = Path.of("/proc/sys");
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.:@+-]+(/[A-Za-z0-9_.:@+-]+)*");

    private Sysctl() {}

    /**
     * The current value, without the trailing newline; multi-value entries keep the kernel's tab separators. Read in
     * one {@code read(2)} of up to 8 KiB: the numeric handlers ({@code proc_dointvec}) answer a read at a non-zero
     * offset with nothing, and {@code Files.readString} of such a file (size 0) gave only its first byte ("30"
     * came back "3").
     */
    public static String get(String name) throws IOException {
        String text;
        try (InputStream in = Files.newInputStream(path(name))) {
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    /** The value parsed as an integer, for the many boolean and numeric knobs. */
    public static int getInt(String name) throws IOException {
        String v = get(name).trim();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IOException("sysctl " + name + " is not an integer: '" + v + "'", e);
        }
    }

    /**
     * Writes {@code value} in one {@code write(2)}, as the kernel parses each write separately. The file is opened
     * without truncation or creation: these files exist or the parameter does not.
     */
    public static void set(String name, String value) throws IOException {
        Path p = path(name);
        try {
            Files.writeString(p, value, StandardCharsets.US_ASCII, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("cannot set sysctl " + name + " = " + value + ": " + e.getMessage(), e);
        }
    }

    public static void set(String name, int value) throws IOException {
        set(name, Integer.toString(value));
    }

    /** Whether the parameter exists (a module may not be loaded, an interface may be gone). */
    public static boolean exists(String name) {
        return Files.isRegularFile(path(name));
    }

    /**
     * The file behind a sysctl name. Rejects {@code ..}, empty components and shell-like characters, so a name from
     * configuration cannot reach outside {@code /proc/sys}.
     */
    public static Path path(String name) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("empty sysctl name");
        String rel = name.indexOf('/') >= 0 ? stripSlashes(name) : name.replace('.', '/');
        if (!SAFE.matcher(rel).matches()) throw new IllegalArgumentException("invalid sysctl name: " + name);
        for (String part : rel.split("/")) {
            if (part.equals(".") || part.equals("..")) throw new IllegalArgumentException("invalid sysctl name: " + name);
        }
        return ROOT.resolve(rel);
    }

    private static String stripSlashes(String name) {
        int start = 0, end = name.length();
        while (start < end && name.charAt(start) == '/') start++;
        while (end > start && name.charAt(end - 1) == '/') end--;
        String rel = name.substring(start, end);
        return rel.startsWith("proc/sys/") ? rel.substring("proc/sys/".length()) : rel;
    }
}
