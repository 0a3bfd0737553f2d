package dev.netext.cli;

import dev.netext.linux.ffm.AnonymousMemory;
import dev.netext.linux.ffm.Libc;
import dev.netext.linux.ffm.Mmsg;
import dev.netext.wireguard.Key;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.math.BigDecimal;
import java.util.List;

/**
 * Start-up work of a long-running command, done on a second thread while the main thread builds and parses the command
 * line. Each step is something the command's main thread would otherwise do itself a few dozen milliseconds later, each
 * the first time in the JVM's life, interpreted (JFR, 1 ms samples of the main thread before the first answer/ping;
 * docs/PERFORMANCE.md "Start-up and footprint"):
 * <ul>
 *   <li>logging: slf4j finds logback through a ServiceLoader, and logback asks the class path for its XML files, which
 *       opens and indexes every jar (10-15 ms);</li>
 *   <li>the FFM bindings of the {@link Libc} calls a tunnel's start makes: 20 downcall handles, each spinning method
 *       handle classes (80 CPU-ms; the first one also sets up the linker), each bound on its first use, so that the
 *       main thread waits only for a binding in progress;</li>
 *   <li>{@link BigDecimal}'s class initialiser, which computes 5^(2^16) for its tables (16 ms): Jackson's parsers, and
 *       so a profile's YAML, refer to it;</li>
 *   <li>the JDK's X25519 (its JCA provider lookup, then the field arithmetic of a first key): WireGuard's handshake
 *       (15-20 ms);</li>
 *   <li>Netty's epoll transport (DNS's sockets, WireGuard's UDP): its native library, and the direct-buffer cleaner
 *       Netty binds through method handles on Java 24+ (25 ms);</li>
 *   <li>Netty's default allocator, which the first channel's configuration creates (7 ms);</li>
 *   <li>the off-heap DNS cache's mmap binding (the linker's first downcall, 10 ms), which WireGuard's UDP receiver
 *       maps its slots with too, and that receiver's recvmmsg binding (met when the first handshake response
 *       arrives).</li>
 * </ul>
 * The main thread then finds these classes initialised, or waits for the step in progress. No step has an effect
 * beyond class initialisation (X25519's key is thrown away); one that fails is left alone, and the main thread meets
 * the same failure where it always did and reports it as before. ({@code AotTraining} starts it as {@code Main} does,
 * so the role's AOT cache holds it too.)
 */
public final class StartupWarmup {
    private StartupWarmup() {}

    private static final Runnable LOGGING = LoggerFactory::getILoggerFactory;
    private static final Runnable FFM = Libc::bindTunnelCalls;
    private static final Runnable BIG_DECIMAL = () -> initialize(BigDecimal.class);
    private static final Runnable X25519 = () -> Key.generatePrivate().publicKey();
    private static final Runnable NETTY_EPOLL = Epoll::isAvailable;
    private static final Runnable NETTY_ALLOCATOR = () -> initialize(ByteBufAllocator.class);
    private static final Runnable OFF_HEAP = () -> initialize(AnonymousMemory.class);
    private static final Runnable UDP_BATCHES = () -> {
        initialize(AnonymousMemory.class);
        initialize(Mmsg.class);
    };

    /**
     * Starts the steps {@code args}'s command needs, in the order its main thread meets them; none for the others, and
     * none with {@code -Dnetext.warmup=false} (bench/startup.sh compares with and without).
     */
    public static void start(String... args) {
        List<Runnable> steps = steps(args);
        if (steps.isEmpty() || !Boolean.parseBoolean(System.getProperty("netext.warmup", "true"))) return;
        Thread.ofPlatform().daemon().name("netext-warmup").start(() -> {
            for (Runnable step : steps) {
                try {
                    step.run();
                } catch (Throwable ignored) {
                    // the main thread meets it again and reports it
                }
            }
        });
    }

    /** The steps of the long-running commands: `up` (and the daemon, which runs profiles), `wg up`, `dns serve`. */
    static List<Runnable> steps(String... args) {
        String command = args.length > 0 ? args[0] : "", sub = args.length > 1 ? args[1] : "";
        return switch (command) {
            case "up", "daemon" -> List.of(LOGGING, BIG_DECIMAL, FFM);
            case "wg" -> sub.equals("up") ? List.of(X25519, LOGGING, FFM, NETTY_EPOLL, NETTY_ALLOCATOR, UDP_BATCHES) : List.of();
            case "dns" -> sub.equals("serve") ? List.of(LOGGING, NETTY_EPOLL, OFF_HEAP) : List.of();
            default -> List.of();
        };
    }

    private static void initialize(Class<?> c) {
        try {
            MethodHandles.lookup().ensureInitialized(c);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
