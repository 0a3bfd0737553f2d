package dev.netext.cli;

import dev.netext.api.ProviderStatus;
import dev.netext.api.path.PathEvent;
import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.EventSink;
import dev.netext.api.filter.FilterPacketProvider;
import dev.netext.daemon.packetfilter.PacketFilterLauncher;
import dev.netext.daemon.server.RestartPolicy;
import dev.netext.daemon.plugin.ProviderResolutionException;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.daemon.profile.PacketFilterSection;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.ProfileException;
import dev.netext.daemon.profile.ProfileLoader;
import dev.netext.daemon.profile.TunnelSection;
import dev.netext.daemon.tunnel.RunningTunnel;
import dev.netext.daemon.tunnel.TunnelLauncher;
import dev.netext.linux.state.StateLedger;
import dev.netext.packetfilter.PacketFilterEngine;
import dev.netext.tunnel.TunnelListener;
import dev.netext.tunnel.TunnelStats;
import dev.netext.tunnel.killswitch.KillSwitch;
import dev.netext.api.ProviderEvent;
import dev.netext.api.flow.Endpoint;
import dev.netext.daemon.dns.DnsLauncher;
import dev.netext.daemon.interception.FlowLauncher;
import dev.netext.flow.engine.FlowEngine;
import dev.netext.dns.server.DnsProxyServer;
import dev.netext.dns.server.QueryLogLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * {@code netext up PROFILE}: validates the profile (before touching the network), starts its tunnel, runs in the
 * foreground until SIGINT/SIGTERM or a provider failure, then removes everything it created.
 * {@code netext up NAME} (no such file, no {@code .yaml}, no {@code /}) asks the daemon to start that profile instead.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Run a profile's tunnel, DNS proxy and packet filter in the foreground until Ctrl-C or SIGTERM, then remove everything it set up.",
                "With a profile NAME instead of a file, ask the daemon to start that profile."})
public final class UpCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PROFILE|NAME", description = "The profile (YAML) to run, or the name of a daemon profile.")
    Path profileFile;

    @Option(names = "--option", paramLabel = "KEY=VALUE",
            description = "A start option for the tunnel's provider (TunnelContext.startOptions, NE's startTunnel(options:)); repeatable.")
    Map<String, String> startOptions = new LinkedHashMap<>();

    @Option(names = "--log", description = "Print one line per DNS query (dns section) and per flow verdict (filter section).")
    boolean log;

    @picocli.CommandLine.Mixin
    ControlOption control;

    @Override
    public Integer call() throws Exception {
        if (isDaemonProfileName(profileFile)) {
            String name = profileFile.toString();
            var request = ControlOption.request("up").put("name", name);
            if (!startOptions.isEmpty()) startOptions.forEach(request.putObject("options")::put);
            String note = control.call(request).path("note").asText("");
            if (!note.isEmpty()) System.err.println("netext: " + note);
            System.out.println("netext: " + name + " started by the daemon (netext status shows its progress)");
            return 0;
        }
        PrintStream out = System.out;
        ProviderResolver resolver = new ProviderResolver(Providers.TUNNEL);
        Profile profile;
        try {
            profile = new ProfileLoader(resolver, Providers.CONFIG_IMPORTERS).load(profileFile);
        } catch (ProfileException e) {
            System.err.println(e.getMessage());
            return 2;
        }
        if (profile.tunnel().isEmpty() && profile.dns().isEmpty() && profile.packetFilter().isEmpty()
                && !profile.interceptsFlows())
            throw new UserError(profileFile + ": nothing to run (the profile has no tunnel, dns, filter, proxies or packet-filter section)");
        Signals.Stop stop = Signals.stopOnSignal(); // before the first "ready" line: whoever waits for it may stop us
        DnsProxyServer dns = profile.dns().isPresent() ? startDns(profile, out) : null;
        PacketFilterEngine filter = null;
        FlowEngine flows = null;
        try {
            if (profile.interceptsFlows()) flows = startFlowFilter(profile, resolver, out);
            // A packet filter starts before the tunnel and stops after it, so the tunnel's traffic is filtered from
            // its first packet.
            if (profile.packetFilter().isPresent()) filter = startPacketFilter(profile, out);
            if (profile.tunnel().isEmpty()) return runWithoutTunnel(out, profile.name(), dns, filter, stop);
            return runTunnel(out, resolver, profile, profile.tunnel().get(), dns, filter, stop);
        } finally {
            if (flows != null) {
                flows.close();
                out.println("netext: filter " + profile.name() + " stopped; interception removed");
                out.flush();
            }
            if (filter != null) stopPacketFilter(filter, profile.name(), out);
            if (dns != null) dns.close();
        }
    }

    /**
     * The {@code filter:} and {@code proxies:} sections: TPROXY interception, the rules filter or a custom provider
     * (restarted with backoff when it crashes, reported on stderr) and the proxy chain; with --log, one line per flow
     * verdict (and per proxy decision).
     */
    /** Whether {@code name} is one of the profile's custom proxy classes (their failures are theirs, not the filter's). */
    private static boolean customProxy(Profile profile, String name) {
        return profile.proxies().stream().flatMap(p -> p.custom().stream()).anyMatch(c -> c.member().provider().equals(name));
    }

    private FlowEngine startFlowFilter(Profile profile, ProviderResolver resolver, PrintStream out) throws Exception {
        Preflight.requireRootForFiltering();
        EventSink sink = e -> {
            switch (e) {
                case ProviderEvent.ProviderFailed f -> System.err.println("netext: " + (customProxy(profile, f.provider())
                        ? "proxy " + f.provider() : "filter provider " + profile.filter().map(s -> s.provider()).orElse("rules"))
                        + " failed: " + f.message() + (f.willRestart() ? " (restarting)" : " (not restarted)"));
                case ProviderEvent.ProviderRestarted r -> System.err.println("netext: " + (customProxy(profile, r.provider())
                        ? "proxy " + r.provider() : "filter provider " + profile.filter().map(s -> s.provider()).orElse("rules"))
                        + " restarted (attempt " + r.attempt() + ")");
                default -> {
                    String line = log ? FlowLogLine.format(e) : null;
                    if (line != null) synchronized (out) { out.println(line); out.flush(); }
                }
            }
        };
        FlowEngine engine;
        try {
            engine = FlowLauncher.launch(profile, FlowLauncher.provider(profile, resolver, RestartPolicy.DEFAULT, sink),
                    sink, StateLedger.DEFAULT_DIR, resolver, RestartPolicy.DEFAULT);
        } catch (IOException | IllegalArgumentException | ProviderResolutionException e) {
            throw new UserError("filter: " + e.getMessage());
        }
        printRecovered(out, "filter", engine.recovered());
        int[] ports = engine.listenerPorts();
        int[] udp = engine.udpListenerPorts();
        List<String> gateway = profile.filter().map(f -> f.gateway()).orElse(List.of());
        out.println("netext: filter " + profile.name() + " intercepting TCP (tproxy 127.0.0.1:" + ports[0]
                + (ports[1] != 0 ? ", [::1]:" + ports[1] : "")
                + (udp[0] != 0 ? "), UDP (tproxy 127.0.0.1:" + udp[0] + (udp[1] != 0 ? ", [::1]:" + udp[1] : "") : "")
                + (gateway.isEmpty() ? "" : "), forwarded from " + String.join(", ", gateway) + " (gateway")
                + "; " + profile.filter().map(f -> f.isRules() ? f.rules().size() + " rule(s))" : "provider " + f.provider() + ")")
                        .orElse("0 rule(s))"));
        if (engine.judgesInbound())
            out.println("netext: filter " + profile.name() + " judging inbound connections to local services");
        for (var m : engine.proxyChain().members())
            out.println("netext: proxy " + m.provider() + " (order " + m.order() + ") offered "
                    + (m.rules().apps().isEmpty() ? "" : "the flows of " + m.rules().apps().size() + " app rule(s), ")
                    + m.rules().included().size() + " include, " + m.rules().excluded().size() + " exclude rule(s)");
        out.flush();
        return engine;
    }

    private DnsProxyServer startDns(Profile profile, PrintStream out) throws Exception {
        DnsProxyServer dns;
        try {
            dns = DnsLauncher.launch(profile, log ? e -> {
                if (e instanceof ProviderEvent.DnsQueried q) { out.println(QueryLogLine.format(q)); out.flush(); }
            } : null);
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError("dns: " + e.getMessage());
        }
        out.println("netext: dns " + profile.name() + " serving on "
                + dns.udpAddresses().stream().map(a -> Endpoint.of(a).toString()).toList() + " (udp, tcp)");
        out.flush();
        return dns;
    }

    /** DNS and/or a packet filter without a tunnel: runs until a signal, or until the filter fails. */
    private Integer runWithoutTunnel(PrintStream out, String name, DnsProxyServer dns, PacketFilterEngine filter,
                                     Signals.Stop stop) throws InterruptedException {
        if (filter == null) Preflight.requireNothing(); else Preflight.requireRootForFiltering();
        CountDownLatch stopped = new CountDownLatch(1);
        stop.then(stopped::countDown);
        if (filter != null) {
            Thread.ofPlatform().daemon().name("packet-filter-watch").start(() -> {
                try {
                    filter.awaitTermination();
                } catch (InterruptedException ignored) {
                    // JVM exiting
                }
                stopped.countDown();
            });
        }
        Thread hook = Thread.ofPlatform().unstarted(() -> {
            if (filter != null) filter.stop(StopReason.SHUTDOWN);
            if (dns != null) dns.close();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        Runtime.getRuntime().removeShutdownHook(hook);
        if (dns != null) {
            dns.close();
            out.println("netext: dns " + name + " stopped; " + dns.stats());
            out.flush();
        }
        Throwable failure = filter == null ? null : filter.failure();
        if (failure == null) return 0;
        System.err.println("netext: packet filter " + name + " failed: " + failure);
        return 1;
    }

    private Integer runTunnel(PrintStream out, ProviderResolver resolver, Profile profile, TunnelSection section,
                              DnsProxyServer dns, PacketFilterEngine filter, Signals.Stop stop) throws Exception {
        Preflight.requireNetAdmin();
        PacketTunnelProvider provider = resolver.resolve(section.provider(), profile.source()).create();
        return runTunnel(out, profile, provider, dns, filter, startOptions, stop);
    }

    /** Launches {@code profile}'s tunnel with {@code provider} and runs it until SIGINT/SIGTERM or a failure. */
    static int runInForeground(Profile profile, PacketTunnelProvider provider) throws Exception {
        return runTunnel(System.out, profile, provider, null, null, Map.of(), Signals.stopOnSignal());
    }

    /**
     * Runs the tunnel until SIGINT/SIGTERM or a failure (its own or the packet filter's); a DNS proxy of the same
     * profile gets the tunnel's DNS settings as rules while it is up.
     */
    private static int runTunnel(PrintStream out, Profile profile, PacketTunnelProvider provider, DnsProxyServer dns,
                                 PacketFilterEngine filter, Map<String, String> startOptions, Signals.Stop stop) throws Exception {
        TunnelSection section = profile.tunnel().orElseThrow();

        KillSwitch killSwitch = startKillSwitch(out, profile);
        RunningTunnel tunnel;
        try {
            tunnel = new TunnelLauncher().withKillSwitch(killSwitch).launch(profile, provider, new ConsoleListener(out), startOptions);
        } catch (Exception | Error e) {
            if (killSwitch != null) killSwitch.close();
            throw e;
        }
        printRecovered(out, "instance", tunnel.recovered());
        if (killSwitch == null) printRecovered(out, "kill switch", KillSwitch.recover(StateLedger.DEFAULT_DIR));
        // SIGINT/SIGTERM end the run normally (exit 0, as systemd expects of a clean stop); the shutdown hook is the
        // fallback for any other way the JVM goes down. The signals were taken before anything started (a signal
        // that came during the launch, at most Stop.GRACE_MILLIS ago, stops the tunnel now).
        stop.then(() -> tunnel.stop(StopReason.USER_INITIATED));
        Thread hook = Thread.ofPlatform().unstarted(() -> {
            tunnel.stop(StopReason.SHUTDOWN);
            if (killSwitch != null) killSwitch.close();
            if (filter != null) filter.stop(StopReason.SHUTDOWN);
        });
        Runtime.getRuntime().addShutdownHook(hook);
        String dev = tunnel.runtime().device().name();
        out.println("netext: tunnel " + profile.name() + " connected on " + dev + " (provider " + section.provider()
                + "; addresses " + section.settings().addresses().stream().map(Object::toString).collect(Collectors.joining(", "))
                + "; routes " + section.settings().includedRoutes().stream().map(Object::toString).collect(Collectors.joining(", "))
                + ")");
        out.flush();
        if (filter != null) {
            Thread.ofPlatform().daemon().name("packet-filter-watch").start(() -> {
                try {
                    if (filter.awaitTermination() != null) tunnel.stop(StopReason.PROVIDER_FAILED);
                } catch (InterruptedException ignored) {
                    // JVM exiting
                }
            });
        }
        var tunnelDns = section.settings().dns();
        if (dns != null && !tunnelDns.isEmpty()) {
            dns.tunnelUp(profile.name(), tunnelDns); // its servers and match domains are rules while it is up
            out.println("netext: dns rules from tunnel " + profile.name() + ": "
                    + (tunnelDns.matchDomains().isEmpty() ? "all names" : String.join(", ", tunnelDns.matchDomains())));
        }

        Throwable failure = tunnel.runtime().awaitTermination();
        if (dns != null) dns.tunnelDown(profile.name());
        tunnel.stop(failure == null ? StopReason.USER_INITIATED : StopReason.PROVIDER_FAILED);
        if (killSwitch != null) {
            // the run ends (a clean stop, or a provider failure `up` does not restart): traffic goes direct again
            killSwitch.close();
            out.println("netext: kill switch of " + profile.name() + " removed");
        }
        printStopped(out, profile.name(), tunnel.runtime().stats());
        Runtime.getRuntime().removeShutdownHook(hook);
        if (failure == null) return 0;
        System.err.println("netext: provider " + section.provider() + " failed: " + failure);
        return 1;
    }

    /** {@code include-all-networks}: the kill switch goes in before the tunnel, so nothing leaves while it connects. */
    private static KillSwitch startKillSwitch(PrintStream out, Profile profile) throws Exception {
        var ks = profile.tunnel().orElseThrow().killSwitch();
        if (!ks.includeAllNetworks()) return null;
        KillSwitch killSwitch;
        try {
            killSwitch = KillSwitch.install(StateLedger.DEFAULT_DIR, null, ks.excludeLocalNetworks());
        } catch (IOException e) {
            throw new UserError("tunnel: kill switch: " + e.getMessage());
        }
        out.println("netext: kill switch of " + profile.name() + " on: nothing leaves but through the tunnel"
                + (ks.excludeLocalNetworks() ? " and to the local networks" : ""));
        out.flush();
        return killSwitch;
    }

    private static PacketFilterEngine startPacketFilter(Profile profile, PrintStream out) throws Exception {
        PacketFilterSection pf = profile.packetFilter().orElseThrow();
        FilterPacketProvider provider;
        try {
            provider = PacketFilterLauncher.resolve(pf.provider(), profile.source());
        } catch (ProviderResolutionException e) {
            throw new UserError(profile.source() + ": packet-filter.provider: " + e.reason());
        }
        PacketFilterEngine filter = PacketFilterLauncher.launch(profile, pf, provider, EventSink.discard());
        printRecovered(out, "packet filter", filter.recovered());
        out.println("netext: packet filter " + profile.name() + " running on queue " + pf.queue() + " (provider "
                + pf.provider() + "; on-failure " + (pf.failOpen() ? "open" : "closed") + "; conntrack state from "
                + (filter.kernelConntrackInfo() ? "the queue" : "steering marks") + ")");
        out.flush();
        return filter;
    }

    private static void stopPacketFilter(PacketFilterEngine filter, String name, PrintStream out) {
        filter.stop(StopReason.USER_INITIATED);
        out.println("netext: packet filter " + name + " stopped; " + filter.stats());
        out.flush();
    }

    /** A bare name that is not a file here: {@code corp}, not {@code corp.yaml}, {@code ./corp} or an existing file. */
    static boolean isDaemonProfileName(Path arg) {
        String s = arg.toString();
        return !Files.exists(arg) && s.indexOf('/') < 0 && !s.endsWith(".yaml") && !s.endsWith(".yml");
    }

    /** What the start undid of crashed instances' ledgers, one line each (tests and admins read these lines). */
    private static void printRecovered(PrintStream out, String what, List<StateLedger.Recovery> recovered) {
        for (StateLedger.Recovery r : recovered) {
            out.println("netext: removed what a crashed " + what + " (pid " + r.pid() + ") left: " + r.undone().size()
                    + " objects" + (r.errors().isEmpty() ? "" : ", " + r.errors().size() + " errors"));
        }
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
            out.println("netext: " + tunnel + ": path: " + event.describe());
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
    public static final class Preflight {
        /** Queues and iptables rules need root or CAP_NET_ADMIN, but no TUN device. */
        public static void requireRootForFiltering() {
            if (!"root".equals(System.getProperty("user.name")) && !hasNetAdmin())
                throw new UserError("netext needs root or CAP_NET_ADMIN to filter packets (try sudo)");
        }

        /** DNS alone binds sockets only; privileged ports are the user's business (the bind error says so). */
        static void requireNothing() {}

        public static void requireNetAdmin() {
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
