package dev.netext.cli.sandbox;

import dev.netext.lab.NetextProcess;
import dev.netext.lab.peers.WgQuick;
import dev.netext.lab.traffic.UdpEchoServer;
import dev.netext.linux.netns.NetnsLab;
import dev.netext.linux.netns.NetworkNamespace;
import dev.netext.linux.netns.VethEnd;
import dev.netext.wireguard.Key;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The sandbox's WireGuard leg: a {@code gateway} namespace behind its own veth, and a WireGuard tunnel from the
 * device to it — netext's own WireGuard at both ends ({@code netext wg up} with generated keys and wg-quick files).
 *
 * <pre>
 *   [device] eth2 10.97.0.2/24 ──veth── eth0 10.97.0.1/24 [gateway]
 *            wgdXXXX 10.66.0.2 ═══ WireGuard (UDP 51820) ═══ wggXXXX 10.66.0.1, UDP echo on port 7
 * </pre>
 * Interface names carry the lab's prefix: WireGuard's UAPI sockets ({@code /var/run/wireguard/NAME.sock}) are shared
 * by every namespace of the host, so names must be unique across sandboxes.
 */
final class SandboxWireGuard implements AutoCloseable {
    static final String DEVICE_OUT = "10.97.0.2", GATEWAY_OUT = "10.97.0.1";
    static final String DEVICE_IN = "10.66.0.2", GATEWAY_IN = "10.66.0.1";

    private final NetworkNamespace gateway;
    private final String deviceName, gatewayName;
    private NetextProcess gatewayWg, deviceWg;
    private UdpEchoServer echo;

    private SandboxWireGuard(NetworkNamespace gateway, String deviceName, String gatewayName) {
        this.gateway = gateway;
        this.deviceName = deviceName;
        this.gatewayName = gatewayName;
    }

    /** Builds the gateway namespace and starts both ends; returns once the device end is connected. */
    static SandboxWireGuard start(NetnsLab lab, NetworkNamespace device, Path dir) throws Exception {
        NetworkNamespace gateway = lab.namespace("gateway");
        lab.veth(VethEnd.of("device", "eth2", DEVICE_OUT + "/24"), VethEnd.of("gateway", "eth0", GATEWAY_OUT + "/24"));
        String suffix = lab.prefix().substring(2);
        SandboxWireGuard wg = new SandboxWireGuard(gateway, "wgd" + suffix, "wgg" + suffix);
        try {
            Key deviceKey = Key.generatePrivate(), gatewayKey = Key.generatePrivate();
            wg.echo = gateway.runInside(() -> UdpEchoServer.open(new InetSocketAddress("::", 7)));
            Path gatewayConf = write(dir.resolve(wg.gatewayName + ".conf"), WgQuick.oneEnd(gatewayKey.toBase64(),
                    GATEWAY_IN + "/24", 51820, deviceKey.publicKey().toBase64(), null, DEVICE_IN + "/32", 0));
            Path deviceConf = write(dir.resolve(wg.deviceName + ".conf"), WgQuick.oneEnd(deviceKey.toBase64(),
                    DEVICE_IN + "/24", 0, gatewayKey.publicKey().toBase64(), GATEWAY_OUT + ":51820",
                    GATEWAY_IN.substring(0, GATEWAY_IN.lastIndexOf('.')) + ".0/24", 25));
            wg.gatewayWg = NetextProcess.start(gateway, "wg", "up", gatewayConf.toString());
            wg.gatewayWg.awaitConnected(Duration.ofSeconds(60));
            wg.deviceWg = NetextProcess.start(device, "wg", "up", deviceConf.toString());
            wg.deviceWg.awaitConnected(Duration.ofSeconds(60));
            return wg;
        } catch (Exception e) {
            wg.close();
            throw e;
        }
    }

    private static Path write(Path p, String text) throws IOException {
        Files.writeString(p, text);
        return p;
    }

    String deviceName() { return deviceName; }

    NetworkNamespace gateway() { return gateway; }

    /** Stops both ends with SIGTERM; returns the device end's exit code (the gateway's if the device's was 0). */
    int stop() throws InterruptedException {
        int code = 0;
        if (deviceWg != null) code = deviceWg.terminate(Duration.ofSeconds(30));
        if (gatewayWg != null) {
            int g = gatewayWg.terminate(Duration.ofSeconds(30));
            if (code == 0) code = g;
        }
        deviceWg = gatewayWg = null;
        return code;
    }

    @Override
    public void close() throws Exception {
        if (deviceWg != null) deviceWg.close();
        if (gatewayWg != null) gatewayWg.close();
        if (echo != null) echo.close();
    }
}
