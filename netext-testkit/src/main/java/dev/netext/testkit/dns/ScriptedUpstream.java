package dev.netext.testkit.dns;

import dev.netext.api.dns.DnsClass;
import dev.netext.api.dns.DnsRecord;
import dev.netext.api.dns.DnsType;
import dev.netext.api.flow.Endpoint;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted DNS server on loopback (UDP and TCP on the same ephemeral port) for provider and host tests: it answers
 * from a table of records, NXDOMAIN with an SOA otherwise, truncates UDP answers larger than the client's size like
 * a real server, and can be told to go silent, answer SERVFAIL, or send a spoofed answer first. It records every
 * query it saw. Messages are built with Netty's codec, independently of netext's wire code.
 */
public final class ScriptedUpstream implements AutoCloseable {
    /** A query as the upstream saw it. */
    public record Seen(boolean tcp, int id, int sourcePort, String name, int type, int ednsUdpSize, boolean dnssecOk,
                       boolean hasClientSubnet, int tcpConnection) {}

    private final String zone;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Map<String, List<DnsRecord>> records = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger connectionCount = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean silent;
    private volatile int forcedRcode = -1;
    private volatile boolean spoofFirst;
    private volatile boolean authenticData;
    private volatile long negativeTtl = 300;
    private volatile long delayMillis;
    private volatile boolean closed;

    private ScriptedUpstream(String zone) throws IOException {
        this.zone = zone;
        InetAddress lo = InetAddress.getLoopbackAddress();
        DatagramSocket u = null;
        ServerSocket t = null;
        for (int attempt = 0; attempt < 20 && t == null; attempt++) {
            u = new DatagramSocket(0, lo);
            try {
                t = new ServerSocket(u.getLocalPort(), 50, lo);
            } catch (IOException e) {
                u.close();
            }
        }
        if (t == null) throw new IOException("no free port for UDP and TCP");
        this.udp = u;
        this.tcp = t;
    }

    /** Starts a server for names under {@code zone} (used in SOA records of negative answers). */
    public static ScriptedUpstream start(String zone) throws IOException {
        ScriptedUpstream s = new ScriptedUpstream(zone);
        s.threads.add(Thread.ofPlatform().daemon().name("scripted-udp-" + zone).start(s::udpLoop));
        s.threads.add(Thread.ofPlatform().daemon().name("scripted-tcp-" + zone).start(s::acceptLoop));
        return s;
    }

    public Endpoint endpoint() { return new Endpoint(udp.getLocalAddress(), udp.getLocalPort()); }

    /** {@code 127.0.0.1:PORT}, the server syntax netext reads. */
    public String spec() { return endpoint().toString(); }

    /** Adds answer records for their (name, type). */
    public ScriptedUpstream add(DnsRecord... rs) {
        for (DnsRecord r : rs) records.computeIfAbsent(key(r.name(), r.type().code()), k -> new CopyOnWriteArrayList<>()).add(r);
        return this;
    }

    public ScriptedUpstream silent(boolean v) { silent = v; return this; }
    public ScriptedUpstream rcode(int rcode) { forcedRcode = rcode; return this; }
    public ScriptedUpstream spoofFirst(boolean v) { spoofFirst = v; return this; }
    public ScriptedUpstream authenticData(boolean v) { authenticData = v; return this; }
    public ScriptedUpstream negativeTtl(long v) { negativeTtl = v; return this; }
    public ScriptedUpstream delay(long millis) { delayMillis = millis; return this; }

    public List<Seen> seen() { return List.copyOf(seen); }
    public int tcpConnectionsAccepted() { return connectionCount.get(); }
    public void clearSeen() { seen.clear(); }

    private static String key(String name, int type) { return name.toLowerCase(Locale.ROOT) + "/" + type; }

    private byte[] answer(byte[] query, boolean overTcp, int sourcePort, int connection) {
        DnsCodec.ParsedQuery q = DnsCodec.parseQuery(query);
        seen.add(new Seen(overTcp, q.id(), sourcePort, q.name(), q.type(), q.ednsUdpSize(), q.dnssecOk(), q.hasClientSubnet(), connection));
        if (silent) return null;
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                return null;
            }
        }
        List<DnsRecord> answers = records.getOrDefault(key(q.name(), q.type()), List.of());
        boolean exists = !answers.isEmpty() || records.keySet().stream().anyMatch(k -> k.startsWith(q.name().toLowerCase(Locale.ROOT) + "/"));
        int rcode = forcedRcode >= 0 ? forcedRcode : exists ? 0 : 3;
        List<DnsRecord> authority = answers.isEmpty() && rcode != 2
                ? List.of(new DnsRecord(zone, DnsType.SOA, DnsClass.IN, negativeTtl, DnsCodec.soaRdata(zone, negativeTtl)))
                : List.of();
        int edns = q.ednsUdpSize() >= 0 ? 1232 : -1;
        var spec = new DnsCodec.ResponseSpec(q.id(), q.name(), q.type(), rcode, true, false, authenticData,
                rcode == 0 ? answers : List.of(), authority, edns);
        byte[] full = DnsCodec.response(spec);
        int limit = q.ednsUdpSize() >= 512 ? q.ednsUdpSize() : 512;
        if (!overTcp && full.length > limit) {
            full = DnsCodec.response(new DnsCodec.ResponseSpec(q.id(), q.name(), q.type(), rcode, true, true, authenticData,
                    List.of(), List.of(), edns));
        }
        return full;
    }

    private void udpLoop() {
        byte[] buf = new byte[65535];
        while (!closed) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                byte[] q = Arrays.copyOf(p.getData(), p.getLength());
                byte[] a;
                try {
                    a = answer(q, false, p.getPort(), 0);
                } catch (RuntimeException e) {
                    continue; // not a query Netty can read: a real server would FORMERR or drop
                }
                if (a == null) continue;
                if (spoofFirst) {
                    byte[] wrongId = a.clone();
                    wrongId[0] ^= 0x5A;
                    udp.send(new DatagramPacket(wrongId, wrongId.length, p.getSocketAddress()));
                    byte[] wrongName = a.clone();
                    wrongName[13] ^= 0x01; // first character of the question name
                    udp.send(new DatagramPacket(wrongName, wrongName.length, p.getSocketAddress()));
                }
                udp.send(new DatagramPacket(a, a.length, p.getSocketAddress()));
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                // keep serving
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = tcp.accept();
                connections.add(s);
                int n = connectionCount.incrementAndGet();
                Thread.ofPlatform().daemon().name("scripted-tcp-conn").start(() -> serve(s, n));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s, int connection) {
        try (s; DataInputStream in = new DataInputStream(s.getInputStream());
             DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
            while (!closed) {
                int len = in.readUnsignedShort();
                byte[] q = in.readNBytes(len);
                byte[] a = answer(q, true, s.getPort(), connection);
                if (a == null) continue;
                synchronized (out) {
                    out.writeShort(a.length);
                    out.write(a);
                    out.flush();
                }
            }
        } catch (IOException | RuntimeException e) {
            // client went away
        }
    }

    /** Stops answering and closes the sockets (a killed server: UDP gets port unreachable, TCP refused). */
    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
            }
        }
    }
}
