package dev.netext.wireguard.tunnel;

import dev.netext.api.tunnel.PacketTunnelProvider;
import dev.netext.api.tunnel.StopReason;
import dev.netext.api.tunnel.TunnelContext;
import dev.netext.api.tunnel.TunnelNetworkSettings;
import dev.netext.wireguard.config.WgQuickConfig;
import dev.netext.wireguard.config.WgQuickException;
import dev.netext.wireguard.config.WgQuickParser;
import dev.netext.wireguard.uapi.UapiServer;

import java.nio.file.Path;
import java.util.Map;

/**
 * Built-in {@code wireguard}: a WireGuard interface in the tunnel host. Options: {@code config}, the path of a
 * wg-quick file (its key, listening port and peers; the profile's settings carry its addresses, routes, MTU and
 * DNS — {@code netext wg up} and {@code tunnel: {provider: wireguard, config: …}} derive them from the same file).
 *
 * <pre>
 *   start: parse config → apply settings → UDP socket (SO_MARK = bypass mark) + Device + peers
 *          → UAPI socket /var/run/wireguard/IFNAME.sock (recorded for crash cleanup) → loops: tun, timers, uapi
 *   stop:  UAPI socket closed and deleted → UDP socket closed; the host ends the loops
 * </pre>
 */
public final class WireGuardProvider implements PacketTunnelProvider {
    public static final String NAME = "wireguard";
    public static final String CONFIG_OPTION = "config";
    /** Where the UAPI socket goes; a system property so that tests can run without touching /var/run. */
    static final Path UAPI_DIR = Path.of(System.getProperty("netext.wireguard.uapi-dir", UapiServer.DEFAULT_DIR.toString()));

    private volatile WgInterface wg;
    private volatile UapiServer uapi;

    @Override
    public void startTunnel(TunnelContext context, Map<String, Object> options) throws Exception {
        Object file = options.get(CONFIG_OPTION);
        if (!(file instanceof String path) || path.isBlank())
            throw new IllegalArgumentException("the wireguard provider needs options." + CONFIG_OPTION + ": the path of a wg-quick file");
        WgQuickConfig config;
        try {
            config = WgQuickParser.parse(Path.of(path));
        } catch (WgQuickException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        TunnelNetworkSettings settings = context.profileSettings();
        context.setTunnelNetworkSettings(settings);
        wg = WgInterface.start(config, context.packetFlow(), settings.effectiveMtu(), context.bypassMark());
        Path socket = UapiServer.socketPath(UAPI_DIR, context.interfaceName());
        context.recordOwnedFile(socket);
        uapi = UapiServer.bind(socket, wg);
        WgInterface w = wg;
        UapiServer u = uapi;
        context.spawn("tun", w::routineReadFromTun);
        context.spawn("timers", w::routineTimers);
        context.spawn("uapi", u::routineAccept);
        context.log("wireguard: public key " + w.device().publicKey().toBase64() + ", listening on UDP " + w.udp().port()
                + ", " + config.peers().size() + " peer(s), UAPI " + socket + (w.udp().gso() ? ", UDP GSO" : ""));
    }

    @Override
    public void stopTunnel(StopReason reason) {
        UapiServer u = uapi;
        if (u != null) u.close();
        WgInterface w = wg;
        if (w != null) w.close();
    }

    /** The running interface, or null (for tests and {@code wg show}-like reporting in the same JVM). */
    public WgInterface wgInterface() { return wg; }
}
