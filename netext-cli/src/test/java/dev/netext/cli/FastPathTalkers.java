package dev.netext.cli;

import dev.netext.lab.NetextProcess;
import dev.netext.linux.netns.ExecResult;
import dev.netext.linux.netns.NetworkNamespace;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Long-lived flows for the fast path's {@code kill -9} tests: Python echo servers (TCP and UDP, port 7000) and clients
 * that talk to them a line (a datagram) every 100 ms and print how many came back — {@code echoed N} — or where the
 * flow broke ({@code closed|timeout|refused after N}).
 */
final class FastPathTalkers {
    static final int PORT = 7000;
    private static final String ECHO_SERVER = """
            import socket, sys, threading
            srv = socket.create_server((sys.argv[1], 7000))
            def serve(c):
                with c:
                    while (d := c.recv(4096)):
                        c.sendall(d)
            while True:
                c, _ = srv.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()
            """;
    private static final String UDP_ECHO_SERVER = """
            import socket, sys
            srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            srv.bind((sys.argv[1], 7000))
            while True:
                d, peer = srv.recvfrom(2048)
                srv.sendto(d, peer)
            """;
    /** Talks over UDP to {@code argv[1]} for {@code argv[2]} s. */
    private static final String UDP_TALKER = """
            import socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect((sys.argv[1], 7000))
            s.settimeout(2)
            n = 0
            end = time.time() + float(sys.argv[2])
            while time.time() < end:
                s.send(b'udp %d' % n)
                try:
                    if s.recv(100) != b'udp %d' % n: raise SystemExit('wrong answer after %d' % n)
                except socket.timeout:
                    raise SystemExit('timeout after %d' % n)
                except ConnectionRefusedError:
                    raise SystemExit('refused after %d' % n)
                n += 1
                time.sleep(0.1)
            print('echoed', n)
            """;
    /** Talks over TCP to {@code argv[1]} for 6 s. */
    private static final String TALKER = """
            import socket, sys, time
            s = socket.create_connection((sys.argv[1], 7000), timeout=3)
            n = 0
            end = time.time() + 6
            while time.time() < end:
                s.sendall(b'ping %d\\n' % n)
                got = b''
                while not got.endswith(b'\\n'):
                    d = s.recv(100)
                    if not d: raise SystemExit('closed after %d' % n)
                    got += d
                n += 1
                time.sleep(0.1)
            print('echoed', n)
            """;

    private FastPathTalkers() {}

    /** The TCP and UDP echo servers in {@code ns} on {@code address} port 7000, once both are bound. */
    static void serveEchoes(NetworkNamespace ns, String address) throws Exception {
        ns.exec("python3", "-c", ECHO_SERVER, address);
        ns.exec("python3", "-c", UDP_ECHO_SERVER, address);
        for (String ss : new String[]{"-Hltn", "-Hlun"}) {
            for (int i = 0; i < 100 && !ns.run("ss", ss, "sport = :" + PORT).output().contains(":" + PORT); i++)
                Thread.sleep(50);
        }
    }

    /** A TCP talker from {@code ns} to {@code address} for 6 s, in the background. */
    static CompletableFuture<ExecResult> talk(NetworkNamespace ns, String address) {
        return background(ns, TALKER, address);
    }

    /** A UDP talker from {@code ns} to {@code address} for {@code seconds}, in the background. */
    static CompletableFuture<ExecResult> talkUdp(NetworkNamespace ns, String address, int seconds) {
        return background(ns, UDP_TALKER, address, Integer.toString(seconds));
    }

    /** A UDP talker from {@code ns} to {@code address} for {@code seconds}, waited for. */
    static ExecResult talkUdpNow(NetworkNamespace ns, String address, double seconds) throws Exception {
        return ns.run(Duration.ofSeconds(10), "python3", "-c", UDP_TALKER, address, Double.toString(seconds));
    }

    /**
     * The talker's flow (the run's first) has its verdict, and has talked a while after it: kill -9 must find it
     * judged (a first attribution on a loaded machine can take a second or more, its SYN held meanwhile).
     */
    static void awaitJudged(NetextProcess netext, int flows, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (netext.output().lines().filter(l -> l.contains(" verdict ")).count() < flows && System.nanoTime() < deadline)
            Thread.sleep(50);
        assertThat(netext.output().lines().filter(l -> l.contains(" verdict ")).count()).as(netext.output())
                .isGreaterThanOrEqualTo(flows);
        Thread.sleep(1000);
    }

    private static CompletableFuture<ExecResult> background(NetworkNamespace ns, String script, String... args) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                String[] cmd = new String[3 + args.length];
                cmd[0] = "python3";
                cmd[1] = "-c";
                cmd[2] = script;
                System.arraycopy(args, 0, cmd, 3, args.length);
                return ns.run(Duration.ofSeconds(20), cmd);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
