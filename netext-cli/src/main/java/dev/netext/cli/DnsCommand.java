package dev.netext.cli;

import dev.netext.api.dns.DnsDecision;
import dev.netext.api.flow.Endpoint;
import dev.netext.api.net.IpPrefix;
import dev.netext.dns.server.DnsProxyServer;
import dev.netext.dns.server.DnsServerConfig;
import dev.netext.dns.server.QueryLogLine;
import dev.netext.dns.lists.WatchedList;
import dev.netext.dns.split.ListRule;
import dev.netext.dns.split.SplitDnsProvider;
import dev.netext.dns.split.SplitRule;
import dev.netext.dns.upstream.ServerSpec;
import dev.netext.api.EventSink;
import dev.netext.api.ProviderEvent;
import dev.netext.dns.upstream.UpstreamFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code netext dns}: the DNS proxy without a profile. */
@Command(name = "dns", mixinStandardHelpOptions = true, description = "DNS proxy and split DNS.",
        subcommands = {DnsCommand.Serve.class, DnsLogCommand.class})
public final class DnsCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() { spec.commandLine().usage(System.out); }

    /**
     * {@code netext dns serve --listen 127.0.0.1:5353 --route foo.mycompany.com=10.0.0.53 --default 192.0.2.1}: split
     * DNS in the foreground until Ctrl-C / SIGTERM.
     */
    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Serve DNS with split-DNS rules in the foreground until Ctrl-C or SIGTERM.")
    public static final class Serve implements Callable<Integer> {
        @Option(names = "--listen", paramLabel = "ADDRESS:PORT", description = "UDP and TCP listen address (repeatable; default 127.0.0.1:53).")
        List<String> listen = new ArrayList<>();

        @Option(names = "--route", paramLabel = "DOMAIN=SERVER[,SERVER…]",
                description = "Names equal to or under DOMAIN go to these servers (failover in order); the longest matching DOMAIN wins. Repeatable.")
        List<String> routes = new ArrayList<>();

        @Option(names = "--block", paramLabel = "DOMAIN[=nxdomain|refused|ADDRESS…]", description = "Block names under DOMAIN (NXDOMAIN by default). Repeatable.")
        List<String> blocks = new ArrayList<>();

        @Option(names = "--blocklist", paramLabel = "FILE",
                description = "Block the names this list file holds (hosts file, plain domains, adblock ||d^); reloaded when it changes. Repeatable.")
        List<Path> blocklists = new ArrayList<>();

        @Option(names = "--blocklist-action", paramLabel = "nxdomain|refused|sinkhole",
                description = "What a listed name gets (default nxdomain; sinkhole answers 0.0.0.0 / :: to A / AAAA and NODATA otherwise).")
        String blocklistAction = "nxdomain";

        @Option(names = "--default", paramLabel = "SERVER[,SERVER…]", description = "Servers for every other name (default: system).")
        String defaultServers = "system";

        @Option(names = "--cache", paramLabel = "ENTRIES", converter = OptionRange.NonNegativeInt.class, description = "Cached answers (0: no cache; default 10000).")
        int cacheEntries = 10_000;

        @Option(names = "--serve-stale", description = "Serve expired answers for up to a day while refreshing them (RFC 8767).")
        boolean serveStale;

        @Option(names = "--allow", paramLabel = "PREFIX", description = "Also answer clients in this prefix (default: loopback and this host's own addresses). Repeatable.")
        List<String> allow = new ArrayList<>();

        @Option(names = "--rate-limit", paramLabel = "QPS", converter = OptionRange.Rate.class, description = "Queries per second per non-loopback client (0: off; default 1000).")
        long rateLimit = 1000;

        @Option(names = "--threads", paramLabel = "N", converter = OptionRange.Threads.class, description = "I/O threads (default: one per core).")
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());

        @Option(names = "--timeout", paramLabel = "MS", converter = OptionRange.Millis.class, description = "Per-attempt upstream timeout (default 1000); a query gives up after 3 times that.")
        long timeoutMillis = 1000;

        @Option(names = "--log", description = "Print one line per query.")
        boolean log;

        @Option(names = "--cache-bytes", paramLabel = "BYTES", converter = OptionRange.PositiveLong.class, description = "Off-heap bytes for cached answers (default: 256 per entry).")
        long cacheBytes = -1;

        @Option(names = "--tls-ca", paramLabel = "FILE", description = "CA certificates (PEM) that tls:// and https:// servers may chain to, besides the JDK's trust store.")
        Path tlsCa;

        @Option(names = "--intercept", description = "Redirect every port-53 query of this network namespace to netext (nftables; needs a 127.0.0.1 or 0.0.0.0 listener and root).")
        boolean intercept;

        @Override
        public Integer call() throws Exception {
            PrintStream out = System.out;
            DnsServerConfig.Builder b = DnsServerConfig.builder();
            List<Endpoint> listeners = new ArrayList<>();
            for (String l : listen.isEmpty() ? List.of("127.0.0.1:53") : listen) listeners.add(endpoint(l));
            b.listen(listeners);
            Map<String, List<ServerSpec>> groups = new LinkedHashMap<>();
            groups.put("default", servers(defaultServers, "--default"));
            List<SplitRule> rules = new ArrayList<>();
            for (String r : routes) {
                int eq = r.indexOf('=');
                if (eq <= 0 || eq == r.length() - 1) throw new UserError("--route '" + r + "': write DOMAIN=SERVER[,SERVER…]", 2);
                String serversText = r.substring(eq + 1).strip();
                List<ServerSpec> specs = servers(serversText, "--route " + r);
                String group = serversText;
                groups.putIfAbsent(group, specs);
                rules.add(rule(r.substring(0, eq), DnsDecision.forward(group), "--route " + r));
            }
            for (String bl : blocks) {
                int eq = bl.indexOf('=');
                String domain = eq < 0 ? bl : bl.substring(0, eq);
                String kind = eq < 0 ? "nxdomain" : bl.substring(eq + 1).strip();
                DnsDecision d = switch (kind.toLowerCase()) {
                    case "nxdomain" -> DnsDecision.nxdomain();
                    case "refused" -> DnsDecision.refused();
                    default -> {
                        try {
                            yield DnsDecision.sinkhole(Arrays.stream(kind.split(",")).map(IpPrefix::parseAddress).toArray(InetAddress[]::new));
                        } catch (IllegalArgumentException e) {
                            throw new UserError("--block '" + bl + "': after '=' write nxdomain, refused or sinkhole addresses", 2);
                        }
                    }
                };
                rules.add(rule(domain, d, "--block " + bl));
            }
            groups.forEach(b::group);
            b.defaultGroup("default").cacheEntries(cacheEntries).cacheBytes(cacheBytes).serveStale(serveStale, 86_400)
                    .rateLimit(rateLimit, rateLimit * 2).ioThreads(threads).timeouts(timeoutMillis, timeoutMillis * 3)
                    .tlsCaFile(tlsCa).intercept(intercept);
            if (tlsCa != null && !Files.isReadable(tlsCa)) throw new UserError("--tls-ca " + tlsCa + ": no readable file", 2);
            List<IpPrefix> prefixes = new ArrayList<>();
            for (String a : allow) {
                try {
                    prefixes.add(IpPrefix.parse(a));
                } catch (IllegalArgumentException e) {
                    throw new UserError("--allow '" + a + "': " + e.getMessage(), 2);
                }
            }
            b.allow(prefixes);
            SplitDnsProvider provider = new SplitDnsProvider(rules, "default");
            List<WatchedList> watched = openLists(out);
            provider.setLists(watched.stream().map(w -> new ListRule(w, listDecision(blocklistAction))).toList());
            EventSink sink = log ? event -> {
                if (event instanceof ProviderEvent.DnsQueried q) {
                    out.println(QueryLogLine.format(q));
                    out.flush();
                }
            } : null;
            DnsProxyServer server;
            try {
                server = DnsProxyServer.start(b.build(), provider, "dns", sink);
            } catch (IOException | IllegalArgumentException e) {
                throw new UserError(e.getMessage(), 1);
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Signals.onTerminate(() -> {
                server.close();
                stopped.countDown();
            });
            Thread hook = Thread.ofPlatform().unstarted(server::close);
            Runtime.getRuntime().addShutdownHook(hook);
            out.println("netext: dns serving on " + server.udpAddresses().stream().map(a -> Endpoint.of(a).toString()).toList()
                    + " (udp, tcp); " + provider.rules().size() + " rules: "
                    + provider.rules().stream().map(SplitRule::label).toList()
                    + (watched.isEmpty() ? "" : "; lists " + watched.stream().map(WatchedList::name).toList() + " → " + blocklistAction.strip())
                    + "; cache " + (cacheEntries == 0 ? "off" : cacheEntries + " entries") + "; " + threads + " I/O threads");
            out.flush();
            stopped.await();
            watched.forEach(WatchedList::close);
            Runtime.getRuntime().removeShutdownHook(hook);
            out.println("netext: dns stopped; " + server.stats()
                    + (server.cache() == null ? "" : "; cache " + server.cache().size() + " entries in " + server.cache().bytesUsed() / 1024
                    + " KiB off-heap, " + server.cache().hits() + " hits, " + server.cache().misses() + " misses")
                    + "; heap max " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB, used "
                    + (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / (1024 * 1024) + " MiB");
            out.flush();
            return 0;
        }

        private List<WatchedList> openLists(PrintStream out) {
            listDecision(blocklistAction); // a bad action is reported before any list is read
            List<WatchedList> opened = new ArrayList<>();
            for (Path file : blocklists) {
                try {
                    opened.add(WatchedList.open(String.valueOf(file.getFileName()), file, line -> {
                        out.println("netext: " + line);
                        out.flush();
                    }));
                } catch (IOException e) {
                    opened.forEach(WatchedList::close);
                    throw new UserError("--blocklist " + file + ": cannot be read (" + e.getMessage() + ")", 2);
                }
            }
            return opened;
        }

        /** The block a list rule gives: {@code nxdomain}, {@code refused} or {@code sinkhole} (0.0.0.0 and ::). */
        static DnsDecision listDecision(String action) {
            return switch (action.strip().toLowerCase(Locale.ROOT)) {
                case "nxdomain", "block" -> DnsDecision.nxdomain();
                case "refused" -> DnsDecision.refused();
                case "sinkhole" -> DnsDecision.sinkhole(IpPrefix.parseAddress("0.0.0.0"), IpPrefix.parseAddress("::"));
                default -> throw new UserError("--blocklist-action '" + action + "': expected nxdomain, refused or sinkhole", 2);
            };
        }

        private static SplitRule rule(String domain, DnsDecision d, String where) {
            try {
                return new SplitRule(domain, d, "cli");
            } catch (IllegalArgumentException e) {
                throw new UserError(where + ": " + e.getMessage(), 2);
            }
        }

        private static Endpoint endpoint(String text) {
            try {
                ServerSpec s = ServerSpec.parse(text);
                if (s instanceof ServerSpec.Plain p) return p.address();
            } catch (IllegalArgumentException e) {
                throw new UserError("--listen " + e.getMessage(), 2);
            }
            throw new UserError("--listen '" + text + "': expected ADDRESS[:PORT]", 2);
        }

        private static List<ServerSpec> servers(String text, String where) {
            List<ServerSpec> out = new ArrayList<>();
            for (String s : text.split(",")) {
                try {
                    ServerSpec spec = ServerSpec.parse(s);
                    String why = UpstreamFactory.unsupportedReason(spec);
                    if (why != null) throw new IllegalArgumentException("'" + s.strip() + "': " + why);
                    out.add(spec);
                } catch (IllegalArgumentException e) {
                    throw new UserError(where + ": " + e.getMessage(), 2);
                }
            }
            return out;
        }
    }
}
