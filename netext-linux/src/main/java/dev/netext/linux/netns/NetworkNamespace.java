package dev.netext.linux.netns;

import dev.netext.api.net.IpPrefix;
import dev.netext.linux.Errno;
import dev.netext.linux.LinuxException;
import dev.netext.linux.ffm.Libc;
import dev.netext.linux.sys.HostPackages;
import dev.netext.linux.sys.Sysctl;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A named network namespace, as {@code ip netns} manages them: a bind mount of the namespace at
 * {@code /run/netns/NAME} keeps it alive without a process in it, and gives other tools a name to find it by.
 *
 * <p>Three ways to act inside it, for three kinds of work:
 * <ul>
 *   <li>{@link #ip(String...)}: {@code ip -n NAME ...}, for link, address and route configuration;</li>
 *   <li>{@link #exec}/{@link #run}: {@code ip netns exec NAME cmd}, for external programs (ping, iperf3, nc).
 *       {@code ip netns exec} also gives the program a private mount of {@code /sys} for the namespace;</li>
 *   <li>{@link #runInside(Callable)}: Java code on a thread moved into the namespace with {@code setns(2)}; sockets
 *       and TUN devices it opens belong to the namespace and stay there after the thread ends.</li>
 * </ul>
 */
public final class NetworkNamespace {
    /** Where {@code ip netns} keeps its bind mounts. */
    public static final Path NETNS_DIR = Path.of("/run/netns");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final String name;
    private final Consumer<Process> tracker;

    NetworkNamespace(String name, Consumer<Process> tracker) {
        this.name = checkName(name);
        this.tracker = tracker;
    }

    /**
     * A handle on an existing named namespace (one {@code ip netns list} shows). The handle does not own it: nothing
     * here deletes it.
     */
    public static NetworkNamespace of(String name) throws IOException {
        NetworkNamespace ns = new NetworkNamespace(name, null);
        if (!Files.exists(ns.path())) throw new NoSuchFileException(ns.path().toString(), null, "no network namespace named " + name);
        return ns;
    }

    static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) throw new IllegalArgumentException("invalid namespace name: " + name);
        return name;
    }

    public String name() { return name; }

    /** The bind mount that holds the namespace: {@code /run/netns/NAME}. */
    public Path path() { return NETNS_DIR.resolve(name); }

    /** The namespace's inode number, its identity for comparisons with {@link #currentInode()}. */
    public long inode() throws IOException {
        return inodeOf(path());
    }

    // ---------------------------------------------------------------- external commands

    /** A {@code ProcessBuilder} for {@code ip netns exec NAME cmd...}, for callers that need to wire streams themselves. */
    public ProcessBuilder command(String... cmd) {
        if (cmd.length == 0) throw new IllegalArgumentException("empty command");
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(cmd));
        return new ProcessBuilder(full);
    }

    /**
     * Starts {@code cmd} inside the namespace and returns at once (a server such as {@code nc -u -l}). Processes
     * started from a lab's namespace are killed when the lab closes, so they cannot keep the namespace alive.
     */
    public Process exec(String... cmd) throws IOException {
        HostPackages.require("ip", cmd[0]); // ip netns exec would only say so once the process has run
        Process p = command(cmd).redirectErrorStream(true).start();
        if (tracker != null) tracker.accept(p);
        return p;
    }

    /** Runs {@code cmd} inside the namespace to completion, with the default timeout of 15 s. */
    public ExecResult run(String... cmd) throws IOException {
        return run(ProcessRunner.DEFAULT_TIMEOUT, cmd);
    }

    /** Runs {@code cmd} inside the namespace; killed and reported as timed out after {@code timeout}. */
    public ExecResult run(Duration timeout, String... cmd) throws IOException {
        HostPackages.require(cmd[0]);
        return ProcessRunner.run(command(cmd).command(), timeout, tracker);
    }

    /** Runs {@code ip -n NAME args...} and throws, quoting ip's message, if it fails. */
    public ExecResult ip(String... args) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "-n", name));
        full.addAll(List.of(args));
        return ProcessRunner.run(full, ProcessRunner.DEFAULT_TIMEOUT, tracker).orThrow();
    }

    /** Brings a link in this namespace up. */
    public void linkUp(String link) throws IOException {
        ip("link", "set", "dev", link, "up");
    }

    /**
     * Adds an address to a link. IPv6 addresses get {@code nodad}: duplicate address detection would keep them
     * "tentative", and unusable as a source, for a second or more, which a lab never needs.
     */
    public void addAddress(String link, IpPrefix address) throws IOException {
        if (address.family().version() == 6) ip("addr", "add", address.toString(), "dev", link, "nodad");
        else ip("addr", "add", address.toString(), "dev", link);
    }

    /** {@code ip route add DESTINATION via GATEWAY}; destination may be {@code default}. */
    public void addRoute(String destination, String gateway) throws IOException {
        ip(routeArgs(destination, "via", gateway));
    }

    /** {@code ip route add DESTINATION dev LINK}: an on-link route, e.g. into a TUN device. */
    public void addDeviceRoute(String destination, String link) throws IOException {
        ip(routeArgs(destination, "dev", link));
    }

    /** {@code ip route add default via GATEWAY}, choosing {@code -6} for an IPv6 gateway. */
    public void addDefaultRoute(String gateway) throws IOException {
        if (gateway.indexOf(':') >= 0) ip("-6", "route", "add", "default", "via", gateway);
        else ip("route", "add", "default", "via", gateway);
    }

    private static String[] routeArgs(String destination, String kind, String target) {
        if (destination.indexOf(':') >= 0 || target.indexOf(':') >= 0) {
            return new String[] {"-6", "route", "add", destination, kind, target};
        }
        return new String[] {"route", "add", destination, kind, target};
    }

    // ---------------------------------------------------------------- Java code inside

    /**
     * Runs {@code task} with the calling context's network namespace replaced by this one, and returns its result.
     *
     * <p>{@code setns(2)} moves only the calling <em>thread</em>, so the task runs on a fresh platform thread that
     * enters the namespace first and then ends with the task: a thread that was moved is never reused for anything
     * else (a pooled or virtual-thread carrier would leak the namespace into unrelated work). The caller waits.
     * Sockets and TUN devices opened by the task belong to this namespace for their whole life, and may be used from
     * any thread afterwards.
     *
     * @throws Exception whatever {@code task} threw, unchanged; {@link LinuxException} if the namespace cannot be
     *                   entered
     */
    public <T> T runInside(Callable<T> task) throws Exception {
        Objects.requireNonNull(task, "task");
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread thread = Thread.ofPlatform().name("netns " + name).daemon(true).unstarted(() -> {
            try {
                enterOnThisThread();
                result[0] = task.call();
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        thread.start();
        thread.join(); // join() makes the thread's writes to result/failure visible here
        Throwable t = failure[0];
        if (t instanceof Exception e) throw e;
        if (t instanceof Error e) throw e;
        @SuppressWarnings("unchecked") T value = (T) result[0];
        return value;
    }

    /** {@link #runInside(Callable)} for code that returns nothing. */
    public void runInside(ThrowingRunnable task) throws Exception {
        runInside(() -> {
            task.run();
            return null;
        });
    }

    /** A {@link Runnable} that may throw: the shape of most setup code run inside a namespace. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }

    private void enterOnThisThread() throws IOException {
        int fd = Libc.open(path().toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            Libc.setns(fd, Libc.CLONE_NEWNET);
        } finally {
            Libc.close(fd);
        }
    }

    /** {@link Sysctl#get} as seen from inside this namespace (the {@code net.*} tree is per namespace). */
    public String sysctl(String name) throws Exception {
        return runInside(() -> Sysctl.get(name));
    }

    /** {@link Sysctl#set} inside this namespace, e.g. {@code net.ipv4.ip_forward} for a router namespace. */
    public void setSysctl(String name, String value) throws Exception {
        runInside(() -> Sysctl.set(name, value));
    }

    // ---------------------------------------------------------------- identity

    /**
     * The inode of the calling thread's network namespace. Read through {@code /proc/thread-self}, not
     * {@code /proc/self}: the latter names the process's main thread, which is not where a {@link #runInside} thread
     * is.
     */
    public static long currentInode() throws IOException {
        return inodeOf(Path.of("/proc/thread-self/ns/net"));
    }

    /**
     * The calling thread's network namespace as a key for state a process keeps per namespace: its inode and its
     * cookie — the inode alone goes to a new namespace once the old one is freed, and the cookie is 0 on a kernel
     * before 5.14, so neither alone tells the namespaces of one process's life apart everywhere.
     */
    public static String currentKey() throws IOException {
        return currentInode() + ":" + currentCookie();
    }

    /**
     * The kernel's cookie for the calling thread's network namespace ({@code SO_NETNS_COOKIE} on a socket opened
     * here), or 0 if this kernel cannot tell (before 5.14). Unlike the inode, which the kernel hands to a new
     * namespace once the old one is freed, a cookie is never reused during a boot: it tells "the same namespace"
     * from "a new namespace with a dead one's inode".
     */
    public static long currentCookie() throws IOException {
        int fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cookie = arena.allocate(ValueLayout.JAVA_LONG);
            Libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_NETNS_COOKIE, cookie);
            return cookie.get(ValueLayout.JAVA_LONG, 0);
        } catch (LinuxException e) {
            if (e.is(Errno.ENOPROTOOPT) || e.is(Errno.EINVAL)) return 0;
            throw e;
        } finally {
            Libc.close(fd);
        }
    }

    /**
     * Inodes of the namespaces that exist: the host's (that of pid 1, or of this process if pid 1 may not be
     * inspected), every one a process is in, and every one under {@code /run/netns}. State recorded with a namespace inode that is not in this set belongs to a namespace that no
     * longer exists (unless a process still holds it, which stale-state checks treat as gone too).
     */
    public static Set<Long> existingInodes() throws IOException {
        Set<Long> inodes = new LinkedHashSet<>();
        try {
            inodes.add(inodeOf(Path.of("/proc/1/ns/net")));
        } catch (AccessDeniedException e) {
            // Reading another process's ns links is a ptrace-mode check: a root process that lacks a capability pid 1
            // has (containers, sandboxes that drop CAP_SYS_RESOURCE...) is refused. This process's own namespace is then
            // the best stand-in for "the host": netext runs there.
            inodes.add(inodeOf(Path.of("/proc/self/ns/net")));
        }
        // A namespace without a name lives as long as a process is in it; pid 1 may be unreadable (above), so the
        // host's namespace is found through any other process in it.
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path p : procs) {
                try {
                    inodes.add(inodeOf(p.resolve("ns/net")));
                } catch (IOException e) {
                    // exited, or not ours to inspect
                }
            }
        }
        if (Files.isDirectory(NETNS_DIR)) {
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(NETNS_DIR)) {
                for (Path p : dir) {
                    try {
                        inodes.add(inodeOf(p));
                    } catch (NoSuchFileException e) {
                        // deleted while listing
                    }
                }
            }
        }
        return inodes;
    }

    private static long inodeOf(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NetworkNamespace other && other.name.equals(name);
    }

    @Override
    public int hashCode() { return name.hashCode(); }

    @Override
    public String toString() { return "netns " + name; }
}
