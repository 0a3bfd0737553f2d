package dev.netext.cli;

import dev.netext.api.ProviderStatus;
import dev.netext.api.path.PathEvent;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.ProfileException;
import dev.netext.daemon.profile.ProfileLoader;
import dev.netext.daemon.profile.TunnelSection;
import dev.netext.daemon.tunnel.RunningTunnel;
import dev.netext.daemon.tunnel.TunnelLauncher;
import dev.netext.linux.state.StateLedger;
import dev.netext.tunnel.TunnelListener;
import dev.netext.tunnel.TunnelStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code netext up PROFILE}: validates the profile (before touching the network), starts its tunnel, runs in the
 * foreground until SIGINT/SIGTERM or a provider failure, then removes everything it created.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Run a profile's tunnel in the foreground until Ctrl-C or SIGTERM, then remove everything it set up.")
public final class UpCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PROFILE", description = "The profile (YAML) to run.")
    Path profileFile;

    @Override
    public Integer call() throws Exception {
        ProviderResolver resolver = new ProviderResolver(Providers.TUNNEL);
        Profile profile;
        try {
            profile = new ProfileLoader(resolver, Providers.CONFIG_IMPORTERS).load(profileFile);
        } catch (ProfileException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        TunnelSection section = profile.tunnel().orElseThrow(() ->
                new UserError(profileFile + ": nothing to run (the profile has no tunnel section)"));
        Preflight.requireNetAdmin();
        PacketTunnelProvider provider = resolver.resolve(section.provider(), profile.source()).create();
        return runInForeground(profile, provider);
    }

    /** Launches {@code profile}'s tunnel with {@code provider} and runs it until SIGINT/SIGTERM or a failure. */
    static int runInForeground(Profile profile, PacketTunnelProvider provider) throws Exception {
        PrintStream out = System.out;
        TunnelSection section = profile.tunnel().orElseThrow();

        RunningTunnel tunnel = new TunnelLauncher().launch(profile, provider, new ConsoleListener(out));
        for (StateLedger.Recovery r : tunnel.recovered()) {
            out.println("netext: removed what a crashed instance (pid " + r.pid() + ") left: "
                    + r.undone().size() + " objects" + (r.errors().isEmpty() ? "" : ", " + r.errors().size() + " errors"));
        }
        String dev = tunnel.runtime().device().name();
        out.println("netext: tunnel " + profile.name() + " connected on " + dev + " (provider " + section.provider()
                + "; addresses " + section.settings().addresses().stream().map(Object::toString).collect(Collectors.joining(", "))
                + "; routes " + section.settings().includedRoutes().stream().map(Object::toString).collect(Collectors.joining(", "))
                + ")");
        out.flush();

        // SIGINT/SIGTERM end the run normally (exit 0, as systemd expects of a clean stop); the shutdown hook is the
        // fallback for any other way the JVM goes down.
        Signals.onTerminate(() -> tunnel.stop(StopReason.USER_INITIATED));
        Thread hook = Thread.ofPlatform().unstarted(() -> tunnel.stop(StopReason.SHUTDOWN));
        Runtime.getRuntime().addShutdownHook(hook);
        Throwable failure = tunnel.runtime().awaitTermination();
        tunnel.stop(failure == null ? StopReason.USER_INITIATED : StopReason.PROVIDER_FAILED);
        printStopped(out, profile.name(), tunnel.runtime().stats());
        Runtime.getRuntime().removeShutdownHook(hook);
        if (failure == null) return 0;
        System.err.println("netext: provider " + section.provider() + " failed: " + failure);
        return 1;
    }

    private static void printStopped(PrintStream out, String name, TunnelStats stats) {
        out.println("netext: tunnel " + name + " stopped; " + stats);
        out.flush();
    }

    /** Status changes and path events, one line each, as they happen. */
    private record ConsoleListener(PrintStream out) implements TunnelListener {
        @Override
        public void statusChanged(String tunnel, ProviderStatus from, ProviderStatus to) {
            out.println("netext: " + tunnel + ": " + from.name().toLowerCase() + " -> " + to.name().toLowerCase());
        }

        @Override
        public void pathChanged(String tunnel, PathEvent event) {
            out.println("netext: " + tunnel + ": path " + event);
        }

        @Override
        public void log(String tunnel, String message) {
            out.println("netext: " + tunnel + ": " + message);
        }

        @Override
        public void failed(String tunnel, Throwable cause) {
            out.println("netext: " + tunnel + ": provider failed: " + cause);
        }
    }

    /** Checks that the data plane can work here, so the user gets one clear sentence instead of an errno. */
    static final class Preflight {
        static void requireNetAdmin() {
            if (!Files.exists(Path.of("/dev/net/tun")))
                throw new UserError("/dev/net/tun is missing: load the tun module (modprobe tun) or run where TUN is available");
            if (!"root".equals(System.getProperty("user.name")) && !hasNetAdmin())
                throw new UserError("netext needs root or CAP_NET_ADMIN to create tunnels (try sudo)");
        }

        private static boolean hasNetAdmin() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("CapEff:")) {
                        long caps = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                        return (caps & (1L << 12)) != 0; // CAP_NET_ADMIN
                    }
                }
            } catch (Exception ignored) {
                // fall through: assume not
            }
            return false;
        }
    }
}
