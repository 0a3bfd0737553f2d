package dev.netext.daemon.server;

import dev.netext.api.net.IpFamily;
import dev.netext.api.net.IpPrefix;
import dev.netext.api.ondemand.InterfaceType;
import dev.netext.api.ondemand.NetworkState;
import dev.netext.linux.LinuxException;
import dev.netext.linux.netlink.Link;
import dev.netext.linux.netlink.Route;
import dev.netext.linux.netlink.RtNetlink;
import dev.netext.linux.resolver.ResolvConf;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The network as on-demand rules see it ({@link NetworkState}): the interface of the best default route in the main
 * table (IPv4 first, then IPv6), its type from sysfs, and the resolver configuration from {@code resolv.conf} — the
 * network's, not netext's: while a tunnel's DNS points the file at netext's own resolver, the original kept in the
 * {@code RESOLVER} ledger ({@link ResolvConf#networkContent}).
 */
public final class NetworkStateReader {
    static final int RT_TABLE_MAIN = 254;
    /** {@code ARPHRD_ETHER} in {@code linux/if_arp.h}: what {@code /sys/class/net/X/type} says for Ethernet and Wi-Fi. */
    static final int ARPHRD_ETHER = 1;

    private final Path resolvConf;
    private final Path stateDir;
    private final Path sysClassNet;

    /** @param stateDir where netext's ledgers live: a {@code RESOLVER} ledger there may keep resolv.conf's original */
    public NetworkStateReader(Path resolvConf, Path stateDir) {
        this(resolvConf, stateDir, Path.of("/sys/class/net"));
    }

    NetworkStateReader(Path resolvConf, Path stateDir, Path sysClassNet) {
        this.resolvConf = resolvConf;
        this.stateDir = stateDir;
        this.sysClassNet = sysClassNet;
    }

    /** Reads the current state; must run in the daemon's network namespace. */
    public NetworkState read() throws LinuxException {
        Optional<String> ifName = Optional.empty();
        try (RtNetlink rt = RtNetlink.open()) {
            for (IpFamily f : List.of(IpFamily.V4, IpFamily.V6)) {
                Optional<Route> best = rt.routes(f, RT_TABLE_MAIN).stream()
                        .filter(r -> r.isDefault() && r.outputInterface() > 0)
                        .min(Comparator.comparingInt(Route::metric));
                if (best.isPresent()) {
                    ifName = rt.link(best.get().outputInterface()).map(Link::name);
                    if (ifName.isPresent()) break;
                }
            }
        }
        List<String> search = new ArrayList<>();
        List<InetAddress> servers = new ArrayList<>();
        readResolvConf(search, servers);
        if (ifName.isEmpty()) return new NetworkState(Optional.empty(), Optional.empty(), search, servers);
        return new NetworkState(ifName, Optional.of(typeOf(ifName.get())), search, servers);
    }

    InterfaceType typeOf(String name) {
        Path dir = sysClassNet.resolve(name);
        if (Files.isDirectory(dir.resolve("wireless")) || Files.exists(dir.resolve("phy80211"))) return InterfaceType.WIFI;
        try {
            int type = Integer.parseInt(Files.readString(dir.resolve("type")).strip());
            return type == ARPHRD_ETHER ? InterfaceType.WIRED : InterfaceType.OTHER;
        } catch (IOException | NumberFormatException e) {
            return InterfaceType.OTHER;
        }
    }

    /** {@code nameserver} lines, and the last {@code search}/{@code domain} line (resolv.conf(5): the last one wins). */
    void readResolvConf(List<String> search, List<InetAddress> servers) {
        List<String> lines;
        try {
            lines = new String(ResolvConf.networkContent(resolvConf, stateDir), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            return;
        }
        for (String line : lines) {
            String[] w = line.strip().split("\\s+");
            if (w.length < 2 || w[0].startsWith("#") || w[0].startsWith(";")) continue;
            switch (w[0]) {
                case "nameserver" -> {
                    try {
                        servers.add(IpPrefix.parseAddress(w[1].replaceFirst("%.*$", "")));
                    } catch (IllegalArgumentException ignored) {
                        // not an address: resolvers skip it too
                    }
                }
                case "search", "domain" -> {
                    search.clear();
                    for (int i = 1; i < w.length; i++) search.add(w[i]);
                }
                default -> { }
            }
        }
    }
}
