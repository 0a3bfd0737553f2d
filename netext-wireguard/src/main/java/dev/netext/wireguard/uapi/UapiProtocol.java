package dev.netext.wireguard.uapi;

import dev.netext.api.net.IpPrefix;
import dev.netext.wireguard.Device;
import dev.netext.wireguard.Key;
import dev.netext.wireguard.Peer;
import dev.netext.wireguard.tunnel.WgInterface;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The cross-platform userspace API (wireguard.com/xplatform), as wireguard-go serves it: {@code get=1} answers with
 * the interface and every peer as {@code key=value} lines; {@code set=1} applies {@code key=value} lines, device keys
 * first, then one block per peer starting at {@code public_key=}. Both end with {@code errno=N} and an empty line.
 *
 * <p>Keys are lower-case hex. Changing the private key or the listening port of a running netext interface is not
 * supported (errno EINVAL); setting the values it already has is accepted, so {@code wg syncconf} works.
 */
final class UapiProtocol {
    private static final HexFormat HEX = HexFormat.of();

    private final WgInterface wg;

    UapiProtocol(WgInterface wg) {
        this.wg = wg;
    }

    /** The body of a {@code get=1} answer (without the errno line). */
    String get() {
        Device device = wg.device();
        StringBuilder sb = new StringBuilder();
        sb.append("private_key=").append(wg.privateKey().toHex()).append('\n');
        sb.append("listen_port=").append(wg.udp().port()).append('\n');
        if (wg.udp().mark() != 0) sb.append("fwmark=").append(Integer.toUnsignedString(wg.udp().mark())).append('\n');
        for (Peer p : device.peers()) {
            sb.append("public_key=").append(p.publicKey().toHex()).append('\n');
            sb.append("preshared_key=").append(p.presharedKey().toHex()).append('\n');
            sb.append("protocol_version=1\n");
            InetSocketAddress e = p.endpoint();
            if (e != null) sb.append("endpoint=").append(endpoint(e)).append('\n');
            Instant h = p.lastHandshake();
            sb.append("last_handshake_time_sec=").append(h == null ? 0 : h.getEpochSecond()).append('\n');
            sb.append("last_handshake_time_nsec=").append(h == null ? 0 : h.getNano()).append('\n');
            sb.append("tx_bytes=").append(p.txBytes()).append('\n');
            sb.append("rx_bytes=").append(p.rxBytes()).append('\n');
            sb.append("persistent_keepalive_interval=").append(p.persistentKeepalive()).append('\n');
            for (IpPrefix a : device.allowedIps().prefixesOf(p)) sb.append("allowed_ip=").append(a).append('\n');
        }
        return sb.toString();
    }

    static String endpoint(InetSocketAddress e) {
        InetAddress a = e.getAddress();
        String host = IpPrefix.format(a);
        return (a.getAddress().length == 16 ? "[" + host + "]" : host) + ":" + e.getPort();
    }

    /** Applies the lines of a {@code set=1} request, in order, as wireguard-go does (no rollback on error). */
    void set(List<String> lines) throws UapiException {
        Device device = wg.device();
        Peer peer = null;
        boolean peerSection = false;
        boolean dummy = false;         // a peer block to skip: our own key, or update_only for a peer that did not exist
        boolean created = false;
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq <= 0) throw new UapiException(UapiException.EPROTO, "line without '=': " + line);
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            if (key.equals("public_key")) {
                Key k = key(value);
                peerSection = true;
                created = false;
                if (k.equals(device.publicKey())) { peer = null; dummy = true; continue; }
                dummy = false;
                peer = device.peer(k);
                if (peer == null) {
                    peer = device.addPeer(k);
                    created = true;
                }
                continue;
            }
            if (!peerSection) {
                device(key, value);
                continue;
            }
            if (key.equals("update_only")) {
                requireTrue(key, value);
                if (created && peer != null) {
                    device.removePeer(peer.publicKey());
                    peer = null;
                    dummy = true;
                }
                continue;
            }
            if (dummy) continue;
            switch (key) {
                case "remove" -> {
                    requireTrue(key, value);
                    device.removePeer(peer.publicKey());
                    peer = null;
                    dummy = true;
                }
                case "preshared_key" -> peer.setPresharedKey(key(value));
                case "endpoint" -> peer.setEndpoint(parseEndpoint(value));
                case "persistent_keepalive_interval" -> {
                    int seconds = integer(key, value, 0, 65_535);
                    boolean was = peer.persistentKeepalive() > 0;
                    peer.setPersistentKeepalive(seconds);
                    if (!was && seconds > 0 && peer.endpoint() != null) {
                        device.sendHandshakeInitiation(peer, false);
                        wg.udp().flush();
                    }
                }
                case "replace_allowed_ips" -> {
                    requireTrue(key, value);
                    device.allowedIps().removeByPeer(peer);
                }
                case "allowed_ip" -> {
                    try {
                        device.addAllowedIp(peer, IpPrefix.parse(value));
                    } catch (IllegalArgumentException e) {
                        throw new UapiException(UapiException.EINVAL, "allowed_ip " + value + ": " + e.getMessage());
                    }
                }
                case "protocol_version" -> {
                    if (!value.equals("1")) throw new UapiException(UapiException.EINVAL, "protocol_version " + value + " is not 1");
                }
                default -> throw new UapiException(UapiException.EINVAL, "unknown peer key " + key);
            }
        }
    }

    private void device(String key, String value) throws UapiException {
        switch (key) {
            case "private_key" -> {
                if (!key(value).equals(wg.privateKey()))
                    throw new UapiException(UapiException.EINVAL, "changing the private key of a running netext interface is not supported");
            }
            case "listen_port" -> {
                int port = integer(key, value, 0, 65_535);
                if (port != 0 && port != wg.udp().port())
                    throw new UapiException(UapiException.EINVAL, "changing the listening port of a running netext interface is not supported");
            }
            case "fwmark" -> wg.udp().setMark(value.isEmpty() ? 0 : (int) parseUnsigned(key, value, 0xffff_ffffL));
            case "replace_peers" -> {
                requireTrue(key, value);
                for (Peer p : List.copyOf(wg.device().peers())) wg.device().removePeer(p.publicKey());
            }
            default -> throw new UapiException(UapiException.EINVAL, "unknown device key " + key);
        }
    }

    private static void requireTrue(String key, String value) throws UapiException {
        if (!value.equals("true")) throw new UapiException(UapiException.EINVAL, key + "=" + value + ": only true is valid");
    }

    private static Key key(String hex) throws UapiException {
        if (hex.length() != 2 * Key.SIZE) throw new UapiException(UapiException.EINVAL, "key is not 64 hex digits");
        try {
            return Key.fromHex(hex);
        } catch (IllegalArgumentException e) {
            throw new UapiException(UapiException.EINVAL, "key is not hex");
        }
    }

    private static int integer(String key, String value, int min, int max) throws UapiException {
        return (int) Math.max(min, parseUnsigned(key, value, max));
    }

    private static long parseUnsigned(String key, String value, long max) throws UapiException {
        try {
            long v = Long.parseLong(value);
            if (v >= 0 && v <= max) return v;
        } catch (NumberFormatException ignored) {
            // below
        }
        throw new UapiException(UapiException.EINVAL, key + "=" + value + " is not a number in 0.." + max);
    }

    static InetSocketAddress parseEndpoint(String value) throws UapiException {
        int colon = value.lastIndexOf(':');
        if (colon <= 0) throw new UapiException(UapiException.EINVAL, "endpoint " + value + " has no port");
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        else if (host.indexOf(':') >= 0) throw new UapiException(UapiException.EINVAL, "IPv6 endpoint " + value + " needs brackets");
        int percent = host.indexOf('%');
        if (percent >= 0) host = host.substring(0, percent); // scope ids: not kept
        try {
            InetAddress a = IpPrefix.parseAddress(host);
            int port = (int) parseUnsigned("endpoint", value.substring(colon + 1), 65_535);
            return new InetSocketAddress(a, port);
        } catch (IllegalArgumentException e) {
            throw new UapiException(UapiException.EINVAL, "endpoint " + value + ": " + e.getMessage());
        }
    }

    static List<String> split(String body) {
        List<String> out = new ArrayList<>();
        for (String l : body.split("\n")) if (!l.isEmpty()) out.add(l);
        return out;
    }
}
