package dev.netext.lab.traffic;

import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetworkNamespace;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * UDP echoes that say what they saw, run by python3 in a lab namespace: each answer is a prefix naming the peer
 * address (and port) the datagram came from and the port it arrived on, then the datagram itself. From one answer a
 * test so tells which path (direct, a SOCKS relay, a proxy provider) carried it. Unlike {@link UdpEchoServer} it
 * lives in its namespace as a process, which the lab kills at close.
 */
public final class PeerEcho {
    /** argv: address, prefix, ports… — the prefix is a Python format string over peer, peer_port and port. */
    private static final String SERVER = """
            import select, socket, sys
            address, prefix = sys.argv[1], sys.argv[2]
            socks = []
            for port in sys.argv[3:]:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind((address, int(port)))
                socks.append(s)
            while True:
                for s in select.select(socks, [], [])[0]:
                    data, peer = s.recvfrom(65535)
                    said = prefix.format(peer=peer[0], peer_port=peer[1], port=s.getsockname()[1])
                    s.sendto(said.encode() + data, peer)
            """;
    /** argv: address, port, text — a connected client that retries (UDP may lose one) and prints the first answer. */
    private static final String CLIENT = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect((sys.argv[1], int(sys.argv[2])))
            s.settimeout(1.5)
            for _ in range(5):
                s.send(sys.argv[3].encode())
                try:
                    print(s.recv(2048).decode()); sys.exit(0)
                except socket.timeout:
                    pass
            sys.exit(1)
            """;

    private PeerEcho() {}

    /**
     * Starts echoes in {@code ns} on {@code address} at each of {@code ports} and waits until all are bound.
     * {@code prefix} is put before each answer with {@code {peer}}, {@code {peer_port}} and {@code {port}} (the
     * echo's own) filled in, e.g. {@code "echo to {peer}: "}.
     */
    public static Process start(NetworkNamespace ns, String address, String prefix, int... ports)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", "-c", SERVER, address, prefix));
        for (int port : ports) cmd.add(Integer.toString(port));
        Process p = ns.exec(cmd.toArray(String[]::new));
        for (int port : ports) awaitBound(ns, p, port);
        return p;
    }

    /** Sends {@code text} from {@code ns} to {@code address:port}; the output is the first answer (exit 1: none). */
    public static ExecResult ask(NetworkNamespace ns, String address, int port, String text) throws IOException {
        return ns.run(Duration.ofSeconds(20), "python3", "-c", CLIENT, address, Integer.toString(port), text);
    }

    private static void awaitBound(NetworkNamespace ns, Process p, int port) throws IOException, InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (ns.run("ss", "-Hunl", "sport = :" + port).output().contains(":" + port)) return;
            if (!p.isAlive()) break;
            Thread.sleep(50);
        }
        throw new IOException("the UDP echo in " + ns + " never bound port " + port
                + (p.isAlive() ? "" : ": " + new String(p.getInputStream().readAllBytes()).strip()));
    }
}
