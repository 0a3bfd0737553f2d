package dev.netext.cli.sandbox;

import dev.netext.api.net.IpPrefix;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.cli.Providers;
import dev.netext.cli.SignalsAccess;
import dev.netext.daemon.plugin.ProviderResolver;
import dev.netext.daemon.profile.Profile;
import dev.netext.daemon.profile.ProfileLoader;

import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** One {@code netext sandbox} run: build, start, drive traffic, report, tear down. */
public final class SandboxRun {
    private final PrintStream out;
    private final Path customProfile;
    private final int udpPackets;
    private final boolean keep;

    public SandboxRun(PrintStream out, Path customProfile, int udpPackets, boolean keep) {
        this.out = out;
        this.customProfile = customProfile;
        this.udpPackets = udpPackets;
        this.keep = keep;
    }

    public int run() throws Exception {
        Path tmp = Files.createTempDirectory("netext-sandbox");
        try {
            Path profileFile = customProfile != null ? customProfile : writeDefaultProfile(tmp);
            Profile profile = new ProfileLoader(new ProviderResolver(Providers.TUNNEL), Providers.CONFIG_IMPORTERS).load(profileFile);
            return run(profile, profileFile, tmp);
        } finally {
            try (var files = Files.walk(tmp)) { // the daemon's control socket, state and empty profile directories too
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
            }
        }
    }

    private int run(Profile profile, Path profileFile, Path tmp) throws Exception {
        out.println("netext sandbox: a throwaway network on this machine; the host's own networking is not touched.");
        if (customProfile == null && !Files.isExecutable(Sandbox.MICROSOCKS))
            out.println("netext sandbox: " + Sandbox.MICROSOCKS + " is not installed: no proxy in this run (apt-get install microsocks)");
        out.println();
        List<TrafficRow> rows = new ArrayList<>();
        Sandbox.StopResult stop;
        int wgExit;
        String prefix;
        long pid;
        String connected;
        String tunnelDev;
        try (Sandbox sb = Sandbox.create()) {
            prefix = sb.prefix();
            out.println("What ran");
            sb.printLayout(out);
            sb.startWebServer();
            connected = sb.startNetext(profileFile, tmp);
            pid = sb.netextPid();
            tunnelDev = sb.tunnelDevice();
            out.println("  netext daemon (pid " + pid + ") in " + sb.device().name() + ": profile '" + profile.name() + "'");
            profile.describe().lines().forEach(l -> out.println("    " + l));
            if (sb.dashboardUrl() != null)
                out.println("  dashboard (live flows, prompts, DNS, tunnel throughput): " + sb.dashboardUrl());
            SandboxWireGuard wg = sb.startWireGuard(tmp);
            out.println("  namespace " + wg.gateway().name() + "   eth0 " + SandboxWireGuard.GATEWAY_OUT + "/24 (device eth2 "
                    + SandboxWireGuard.DEVICE_OUT + "), UDP echo on port 7");
            out.println("  netext wg up in both: WireGuard " + wg.deviceName() + " " + SandboxWireGuard.DEVICE_IN
                    + " → gateway " + SandboxWireGuard.GATEWAY_IN + " (generated keys, wg-quick files; netext's Java WireGuard at both ends)");
            out.println();
            out.println("Traffic (from the device namespace)");
            out.flush();

            var settings = profile.tunnel().orElseThrow().settings();
            for (String target : tunnelTargets(settings)) rows.add(sb.ping(target, 5));
            for (String target : tunnelTargets(settings)) rows.add(sb.udp(target, 7, udpPackets, 1000));
            rows.add(sb.ping(Sandbox.INTERNET_V4, 5));
            rows.add(sb.ping(Sandbox.INTERNET_V6, 5));
            rows.add(sb.udp(Sandbox.INTERNET_V4, 7, udpPackets, 1000));
            rows.add(sb.ping(SandboxWireGuard.GATEWAY_IN, 5));
            rows.add(sb.udp(SandboxWireGuard.GATEWAY_IN, 7, udpPackets, 1000));
            if (profile.dns().isPresent() && sb.resolvers()) {
                for (String[] r : Sandbox.CORP_RECORDS) rows.add(sb.dig(r[0]));
                for (String[] r : Sandbox.PUBLIC_RECORDS) rows.add(sb.dig(r[0]));
                rows.add(sb.dig(Sandbox.CORP_RECORDS.getFirst()[0])); // again: from netext's cache
                rows.add(sb.dig("tracker.ads.example"));
            }
            if (profile.filter().isPresent() && profile.dns().isPresent() && sb.resolvers()) {
                // TCP flows through the daemon's filter: one allowed by the default, one its prompt rule pauses; the
                // sandbox answers that prompt through the dashboard's API, as the page's "allow once" button does
                rows.add(sb.dig(Sandbox.WEB_ALLOWED));
                rows.add(sb.http(Sandbox.WEB_ALLOWED, Sandbox.INTERNET_V4, "", null));
                var proxy = profile.proxies().flatMap(p -> p.proxies().stream().findFirst());
                if (proxy.isPresent() && sb.socks()) {
                    // a TCP flow the proxy's host rule selects: through microsocks, so the web server sees
                    // microsocks' address (the internet namespace's own), not the device's. Before the prompt: once
                    // the DNS map names the web server's address www.prompt.example, the prompt rule also holds the
                    // daemon's own DNS queries to that address (its upstream is intercepted like any UDP flow)
                    rows.add(sb.dig(Sandbox.WEB_PROXIED));
                    rows.add(sb.http(Sandbox.WEB_PROXIED, Sandbox.INTERNET_V4, " (proxied)",
                            "netext filter → proxy " + proxy.get().member().provider() + " (microsocks)", Sandbox.INTERNET_V4, null));
                }
                rows.add(sb.dig(Sandbox.WEB_PROMPTED));
                DashboardClient dashboard = sb.dashboardUrl() == null ? null : new DashboardClient(sb.dashboardUrl());
                rows.add(sb.http(Sandbox.WEB_PROMPTED, Sandbox.INTERNET_V4, " (prompt)", () -> {
                    if (dashboard == null) return "no dashboard to answer the prompt";
                    long id = dashboard.answer(Sandbox.WEB_PROMPTED, "allow-once", Duration.ofSeconds(20));
                    return id > 0 ? "paused, answered allow-once (flow " + id + ")" : "the prompt was not answered";
                }));
            }
            printTraffic(rows);

            if (keep) {
                out.println();
                out.println("Keeping the sandbox. Try:  ip netns exec " + sb.device().name() + " ping " + tunnelTargets(settings).getFirst());
                out.println("           or:  ip netns exec " + sb.device().name() + " ip route");
                if (sb.dashboardUrl() != null) {
                    out.println("  Dashboard:  " + sb.dashboardUrl());
                    out.println("           a flow to " + Sandbox.WEB_PROMPTED + " waits there for your answer:  ip netns exec "
                            + sb.device().name() + " curl --resolve " + Sandbox.WEB_PROMPTED + ":80:" + Sandbox.INTERNET_V4
                            + " http://" + Sandbox.WEB_PROMPTED + "/");
                    sb.device().exec("curl", "-sS", "-o", "/dev/null", "--max-time", "60", "--resolve",
                            Sandbox.WEB_PROMPTED + ":80:" + Sandbox.INTERNET_V4, "http://" + Sandbox.WEB_PROMPTED + "/");
                }
                out.println("Ctrl-C stops netext and removes everything.");
                out.flush();
                CountDownLatch interrupted = new CountDownLatch(1);
                SignalsAccess.onTerminate(interrupted::countDown);
                interrupted.await();
                out.println();
            }
            wgExit = sb.stopWireGuard();
            stop = sb.stopNetext();
        }
        boolean clean = !Files.exists(Path.of("/run/netns", prefix + "-device")) && !Files.exists(Path.of("/run/netns", prefix + "-internet"))
                && !Files.exists(Path.of("/run/netns", prefix + "-corp")) && !Files.exists(Path.of("/run/netns", prefix + "-gateway"));

        out.println();
        out.println("Tunnel counters (netext's own, on " + tunnelDev + ")");
        out.println("  " + (stop.stoppedLine().isEmpty() ? "(netext reported no counters)" : stop.stoppedLine()));
        out.println();
        out.println("Cleanup");
        out.println("  netext daemon stopped by SIGTERM, exit code " + stop.exitCode() + "; it removed its routes, addresses, device, nft tables and dashboard token");
        out.println("  WireGuard ends stopped by SIGTERM, exit code " + wgExit);
        out.println("  namespaces " + prefix + "-* " + (clean ? "removed; nothing is left on this machine" : "COULD NOT BE REMOVED (see ip netns list)"));
        boolean trafficOk = rows.stream().allMatch(r -> r.answered() > 0);
        if (!trafficOk) {
            out.println();
            out.println("Some traffic got no answer. netext's output:");
            stop.output().lines().forEach(l -> out.println("  " + l));
        }
        return stop.exitCode() == 0 && wgExit == 0 && clean && trafficOk ? 0 : 1;
    }

    /** An address in each routed tunnel network that is not the tunnel's own: where pong answers. */
    static List<String> tunnelTargets(TunnelNetworkSettings s) {
        List<String> targets = new ArrayList<>();
        for (var route : s.includedRoutes()) {
            byte[] a = route.network().address().getAddress();
            a[a.length - 1] = 2;
            try {
                var addr = InetAddress.getByAddress(a);
                if (s.addresses().stream().noneMatch(p -> p.address().equals(addr)) && route.length() < a.length * 8)
                    targets.add(IpPrefix.format(addr));
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
        return targets;
    }

    private void printTraffic(List<TrafficRow> rows) {
        Table t = new Table(new boolean[]{false, false, true, true, true, false}, "what", "path", "sent", "answered", "loss", "figures");
        for (TrafficRow r : rows)
            t.add(r.what(), r.path(), Integer.toString(r.sent()), Integer.toString(r.answered()), r.loss(), r.figures());
        out.print(t.render("  "));
        out.flush();
    }

    /** The built-in profile; without microsocks, without its {@code proxies:} section (the file's last). */
    public static Path writeDefaultProfile(Path dir) throws Exception {
        Path p = dir.resolve("sandbox.yaml");
        String yaml;
        try (InputStream in = SandboxRun.class.getResourceAsStream("default-profile.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!Files.isExecutable(Sandbox.MICROSOCKS)) {
            int at = yaml.indexOf("\nproxies:");
            if (at >= 0) yaml = yaml.substring(0, at + 1);
        }
        Files.writeString(p, yaml);
        return p;
    }
}
