package dev.netext.daemon.tunnel.hostdns;

import dev.netext.api.flow.Endpoint;
import dev.netext.api.tunnel.DnsSettings;
import dev.netext.dns.server.DnsProxyServer;
import dev.netext.dns.server.DnsServerConfig;
import dev.netext.dns.split.SplitDnsProvider;
import dev.netext.dns.upstream.ServerSpec;
import dev.netext.linux.resolver.ResolvConf;
import dev.netext.linux.state.LedgerKind;
import dev.netext.linux.state.StateLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The host's resolver where systemd-resolved does not run: netext's DNS layer ({@link DnsProxyServer} with the
 * split-DNS provider) on {@value #ADDRESS}:53, and {@code /etc/resolv.conf} naming only it.
 *
 * <pre>
 *   first tunnel with DNS: recover dead RESOLVER ledgers → ledger → keep resolv.conf's bytes beside it
 *                          → serve (group "system" = the resolvers the kept copy names, the default)
 *                          → write resolv.conf in place
 *   each tunnel:           its servers become group tunnel:NAME, its match domains (none: every name) rules to it
 *   last tunnel gone:      resolv.conf restored byte for byte → stop serving → ledger closed
 * </pre>
 *
 * One per process: {@code /etc/resolv.conf} is one file for the process's mount namespace, so the daemon's tunnels
 * share it (each tunnel a rule source, as in a profile's DNS proxy). Upstream sockets carry no bypass mark, so the
 * tunnel's servers are reached through the tunnel's routes.
 */
final class LoopbackHostDns implements HostDns {
    private static final Logger LOG = LoggerFactory.getLogger(LoopbackHostDns.class);
    /** Not 127.0.0.53 (systemd-resolved's stub) nor 127.0.0.1 (whatever else listens there). */
    static final String ADDRESS = "127.0.2.53";
    static final String SYSTEM_GROUP = "system";

    private static LoopbackHostDns shared;

    private final Path stateDir;
    private final Path resolvConf;
    private final Map<String, DnsSettings> tunnels = new LinkedHashMap<>();
    private StateLedger ledger;
    private ResolvConf kept;
    private DnsProxyServer server;

    LoopbackHostDns(Path stateDir, Path resolvConf) {
        this.stateDir = stateDir;
        this.resolvConf = resolvConf;
    }

    /** This process's instance (the first caller's state directory). */
    static synchronized LoopbackHostDns shared(Path stateDir) {
        if (shared == null) shared = new LoopbackHostDns(stateDir, ResolvConf.SYSTEM);
        return shared;
    }

    @Override
    public synchronized void apply(String tunnel, int ifindex, DnsSettings dns) throws IOException {
        if (server == null) start();
        DnsSettings before = tunnels.put(tunnel, dns);
        try {
            server.tunnelUp(tunnel, dns);
            if (before == null || !before.searchDomains().equals(dns.searchDomains())) kept.write(content());
        } catch (IOException | RuntimeException e) {
            tunnels.remove(tunnel);
            server.tunnelDown(tunnel);
            if (tunnels.isEmpty()) stop();
            throw e;
        }
    }

    @Override
    public synchronized void remove(String tunnel, int ifindex) {
        if (tunnels.remove(tunnel) == null) return;
        server.tunnelDown(tunnel);
        if (tunnels.isEmpty()) {
            stop();
            return;
        }
        try {
            kept.write(content());
        } catch (IOException e) {
            LOG.warn("{}: dropping tunnel {}'s search domains: {}", resolvConf, tunnel, e.getMessage());
        }
    }

    @Override
    public String describe() { return "netext's resolver on " + ADDRESS + ":53, named by " + resolvConf; }

    private void start() throws IOException {
        for (StateLedger.Recovery r : ResolvConf.recover(stateDir)) {
            LOG.info("{} restored from what a crashed instance (pid {}) kept{}", resolvConf, r.pid(),
                    r.errors().isEmpty() ? "" : ": " + String.join("; ", r.errors()));
        }
        ledger = StateLedger.create(stateDir, LedgerKind.RESOLVER);
        try {
            kept = ResolvConf.keep(resolvConf, ledger);
            DnsServerConfig.Builder config = DnsServerConfig.builder()
                    .listen(List.of(Endpoint.parse(ADDRESS + ":53")))
                    .defaultGroup(SYSTEM_GROUP);
            if (kept.savedCopy() != null) config.resolvConf(kept.savedCopy());
            if (!nameservers(kept.original()).isEmpty()) config.group(SYSTEM_GROUP, List.of(new ServerSpec.SystemResolvers()));
            else LOG.warn("{} names no resolver: names outside the tunnels' match domains will fail", resolvConf);
            server = DnsProxyServer.start(config.build(), new SplitDnsProvider(List.of(), SYSTEM_GROUP), "host", null);
        } catch (Exception e) {
            stop();
            throw e instanceof IOException io ? io : new IOException(ADDRESS + ":53: " + e.getMessage(), e);
        }
    }

    private void stop() {
        try {
            if (kept != null) kept.restore();
        } catch (IOException e) {
            LOG.warn("{}", e.getMessage());
        }
        if (server != null) server.close();
        if (ledger != null) ledger.close();
        server = null;
        kept = null;
        ledger = null;
    }

    /** resolv.conf while tunnels are up: netext, the tunnels' search domains then the original's, its options. */
    private byte[] content() {
        Set<String> search = new LinkedHashSet<>();
        tunnels.values().forEach(d -> search.addAll(d.searchDomains()));
        List<String> options = new ArrayList<>();
        for (String line : new String(kept.original(), StandardCharsets.UTF_8).split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f[0].equals("search") || f[0].equals("domain")) search.addAll(List.of(f).subList(1, f.length));
            if (f[0].equals("options")) options.add(line.strip());
        }
        StringBuilder b = new StringBuilder("# Written by netext while tunnel(s) " + String.join(", ", tunnels.keySet())
                + " are up: names go to netext's resolver,\n# which sends each to a tunnel's servers or to the resolvers"
                + " this file named before.\n# The original is put back when they stop (after a crash: by the next start"
                + " or `netext diagnose --fix`).\nnameserver " + ADDRESS + "\n");
        if (!search.isEmpty()) b.append("search ").append(String.join(" ", search)).append('\n');
        options.forEach(o -> b.append(o).append('\n'));
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static List<String> nameservers(byte[] resolvConf) {
        List<String> out = new ArrayList<>();
        for (String line : new String(resolvConf, StandardCharsets.UTF_8).split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length >= 2 && f[0].equals("nameserver") && !f[1].equals(ADDRESS)) out.add(f[1]);
        }
        return out;
    }
}
