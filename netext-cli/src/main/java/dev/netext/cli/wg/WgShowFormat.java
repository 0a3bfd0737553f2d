package dev.netext.cli.wg;

import dev.netext.api.net.IpPrefix;
import dev.netext.wireguard.Key;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Formats a UAPI {@code get} answer the way {@code wg show INTERFACE} prints it without a terminal (wireguard-tools
 * {@code show.c}: pretty_print, bytes, ago, every): peers newest handshake first, secrets "(hidden)", lines that
 * have nothing to say left out.
 */
public final class WgShowFormat {
    private WgShowFormat() {}

    /** One peer as the UAPI reported it. */
    record PeerInfo(String publicKey, boolean hasPresharedKey, String endpoint, List<String> allowedIps,
                    long handshakeSec, long handshakeNsec, long rx, long tx, int keepalive) {}

    public static String format(String name, List<String> uapi, Instant now) {
        String privateKey = null;
        int listenPort = 0;
        long fwmark = 0;
        List<PeerInfo> peers = new ArrayList<>();
        String pk = null;
        boolean psk = false;
        String endpoint = null;
        List<String> ips = new ArrayList<>();
        long sec = 0, nsec = 0, rx = 0, tx = 0;
        int keepalive = 0;
        for (String line : uapi) {
            int eq = line.indexOf('=');
            if (eq < 0) continue;
            String k = line.substring(0, eq), v = line.substring(eq + 1);
            if (k.equals("public_key")) {
                if (pk != null) peers.add(new PeerInfo(pk, psk, endpoint, ips, sec, nsec, rx, tx, keepalive));
                pk = v;
                psk = false;
                endpoint = null;
                ips = new ArrayList<>();
                sec = nsec = rx = tx = 0;
                keepalive = 0;
                continue;
            }
            if (pk == null) {
                switch (k) {
                    case "private_key" -> privateKey = v;
                    case "listen_port" -> listenPort = Integer.parseInt(v);
                    case "fwmark" -> fwmark = Long.parseLong(v);
                    default -> { }
                }
                continue;
            }
            switch (k) {
                case "preshared_key" -> psk = !Key.fromHex(v).isZero();
                case "endpoint" -> endpoint = v;
                case "allowed_ip" -> ips.add(v);
                case "last_handshake_time_sec" -> sec = Long.parseLong(v);
                case "last_handshake_time_nsec" -> nsec = Long.parseLong(v);
                case "rx_bytes" -> rx = Long.parseLong(v);
                case "tx_bytes" -> tx = Long.parseLong(v);
                case "persistent_keepalive_interval" -> keepalive = Integer.parseInt(v);
                default -> { }
            }
        }
        if (pk != null) peers.add(new PeerInfo(pk, psk, endpoint, ips, sec, nsec, rx, tx, keepalive));
        peers.sort(Comparator.comparingLong(PeerInfo::handshakeSec).thenComparingLong(PeerInfo::handshakeNsec).reversed());

        StringBuilder sb = new StringBuilder();
        sb.append("interface: ").append(name).append('\n');
        Key priv = privateKey == null ? null : Key.fromHex(privateKey);
        if (priv != null && !priv.isZero()) {
            sb.append("  public key: ").append(priv.publicKey().toBase64()).append('\n');
            sb.append("  private key: (hidden)\n");
        }
        if (listenPort != 0) sb.append("  listening port: ").append(listenPort).append('\n');
        if (fwmark != 0) sb.append("  fwmark: 0x").append(Long.toHexString(fwmark)).append('\n');
        if (!peers.isEmpty()) sb.append('\n');
        for (int i = 0; i < peers.size(); i++) {
            PeerInfo p = peers.get(i);
            sb.append("peer: ").append(Key.fromHex(p.publicKey()).toBase64()).append('\n');
            if (p.hasPresharedKey()) sb.append("  preshared key: (hidden)\n");
            if (p.endpoint() != null) sb.append("  endpoint: ").append(p.endpoint()).append('\n');
            sb.append("  allowed ips: ");
            if (p.allowedIps().isEmpty()) sb.append("(none)");
            else sb.append(String.join(", ", p.allowedIps().stream().map(WgShowFormat::allowedIp).toList()));
            sb.append('\n');
            if (p.handshakeSec() != 0) sb.append("  latest handshake: ").append(ago(p.handshakeSec(), now.getEpochSecond())).append('\n');
            if (p.rx() != 0 || p.tx() != 0)
                sb.append("  transfer: ").append(bytes(p.rx())).append(" received, ").append(bytes(p.tx())).append(" sent\n");
            if (p.keepalive() != 0) sb.append("  persistent keepalive: every ").append(prettyTime(p.keepalive())).append('\n');
            if (i + 1 < peers.size()) sb.append('\n');
        }
        return sb.toString();
    }

    private static String allowedIp(String prefix) {
        IpPrefix p = IpPrefix.parse(prefix);
        return IpPrefix.format(p.address()) + "/" + p.length();
    }

    static String bytes(long b) {
        if (Long.compareUnsigned(b, 1024) < 0) return b + " B";
        if (b < 1024L * 1024) return String.format(Locale.ROOT, "%.2f KiB", b / 1024.0);
        if (b < 1024L * 1024 * 1024) return String.format(Locale.ROOT, "%.2f MiB", b / (1024.0 * 1024));
        if (b < 1024L * 1024 * 1024 * 1024) return String.format(Locale.ROOT, "%.2f GiB", b / (1024.0 * 1024 * 1024));
        return String.format(Locale.ROOT, "%.2f TiB", b / (1024.0 * 1024 * 1024 * 1024));
    }

    static String ago(long then, long now) {
        if (now == then) return "Now";
        if (now < then) return "(System clock wound backward; connection problems may ensue.)";
        return prettyTime(now - then) + " ago";
    }

    static String prettyTime(long left) {
        long years = left / (365L * 24 * 3600);
        left %= 365L * 24 * 3600;
        long days = left / (24 * 3600);
        left %= 24 * 3600;
        long hours = left / 3600;
        left %= 3600;
        long minutes = left / 60;
        long seconds = left % 60;
        StringBuilder sb = new StringBuilder();
        unit(sb, years, "year");
        unit(sb, days, "day");
        unit(sb, hours, "hour");
        unit(sb, minutes, "minute");
        unit(sb, seconds, "second");
        return sb.toString();
    }

    private static void unit(StringBuilder sb, long n, String name) {
        if (n == 0) return;
        if (!sb.isEmpty()) sb.append(", ");
        sb.append(n).append(' ').append(name).append(n == 1 ? "" : "s");
    }
}
