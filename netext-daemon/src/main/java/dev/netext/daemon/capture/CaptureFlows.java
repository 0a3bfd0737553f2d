package dev.netext.daemon.capture;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Numbers a capture's flows and describes each packet for its pcapng comment, e.g.
 * {@code flow=3 dir=out udp 10.0.0.1:5353 > 10.0.0.2:53}.
 *
 * <p>A flow here is a protocol and an unordered pair of endpoints (address and port; the echo identifier for ICMP
 * echo) — both directions of a conversation get the same number. Tunnel packets carry no daemon flow id, so these
 * numbers are the capture's own, from 1 in the order flows are first seen. At most {@link #MAX_FLOWS} flows are
 * remembered; packets of later flows get {@code flow=0}. Reads untrusted bytes: never throws, whatever they are.
 */
public final class CaptureFlows {
    public static final int MAX_FLOWS = 65_536;
    private static final int TCP = 6, UDP = 17, ICMP = 1, ICMPV6 = 58;

    private final Map<Key, Integer> ids = new HashMap<>();

    private record Key(int protocol, byte[] a, int aPort, byte[] b, int bPort) {
        @Override public boolean equals(Object o) {
            return o instanceof Key k && k.protocol == protocol && k.aPort == aPort && k.bPort == bPort
                    && Arrays.equals(k.a, a) && Arrays.equals(k.b, b);
        }
        @Override public int hashCode() { return ((protocol * 31 + Arrays.hashCode(a)) * 31 + aPort) * 31 + Arrays.hashCode(b) * 17 + bPort; }
    }

    /** The flow number of {@code packet} (0 if it is not IP or the table is full) and its comment. */
    public record Described(int flow, String comment) {}

    public Described describe(CapturedPacket p) {
        byte[] d = p.data();
        String dir = "dir=" + p.direction();
        if (d.length < 1) return new Described(0, dir + " empty");
        int version = (d[0] & 0xFF) >>> 4;
        int protocol, l4;
        byte[] src, dst;
        if (version == 4 && d.length >= 20) {
            int ihl = (d[0] & 0x0F) * 4;
            if (ihl < 20) return new Described(0, dir + " ipv4 (bad header length)");
            protocol = d[9] & 0xFF;
            src = Arrays.copyOfRange(d, 12, 16);
            dst = Arrays.copyOfRange(d, 16, 20);
            boolean fragment = ((d[6] & 0x1F) << 8 | (d[7] & 0xFF)) != 0;
            l4 = fragment ? -1 : ihl;
        } else if (version == 6 && d.length >= 40) {
            protocol = d[6] & 0xFF; // extension headers are not followed: such packets are numbered by addresses only
            src = Arrays.copyOfRange(d, 8, 24);
            dst = Arrays.copyOfRange(d, 24, 40);
            l4 = 40;
        } else {
            return new Described(0, dir + " not ip");
        }
        int sPort = -1, dPort = -1;
        String name;
        switch (protocol) {
            case TCP, UDP -> {
                name = protocol == TCP ? "tcp" : "udp";
                if (l4 >= 0 && d.length >= l4 + 4) {
                    sPort = u16(d, l4);
                    dPort = u16(d, l4 + 2);
                }
            }
            case ICMP, ICMPV6 -> {
                name = protocol == ICMP ? "icmp" : "icmpv6";
                if (l4 >= 0 && d.length >= l4 + 6 && isEcho(protocol, d[l4] & 0xFF)) {
                    sPort = dPort = u16(d, l4 + 4); // echo identifier: request and reply share it
                }
            }
            default -> name = "proto " + protocol;
        }
        int flow = flowId(protocol, src, sPort, dst, dPort);
        String text = "flow=" + flow + " " + dir + " " + name + " " + endpoint(src, protocol == ICMP || protocol == ICMPV6 ? -1 : sPort)
                + " > " + endpoint(dst, protocol == ICMP || protocol == ICMPV6 ? -1 : dPort);
        return new Described(flow, text);
    }

    private int flowId(int protocol, byte[] src, int sPort, byte[] dst, int dPort) {
        boolean srcFirst = Arrays.compare(src, dst) < 0 || (Arrays.equals(src, dst) && sPort <= dPort);
        Key k = srcFirst ? new Key(protocol, src, sPort, dst, dPort) : new Key(protocol, dst, dPort, src, sPort);
        Integer id = ids.get(k);
        if (id != null) return id;
        if (ids.size() >= MAX_FLOWS) return 0;
        int next = ids.size() + 1;
        ids.put(k, next);
        return next;
    }

    private static boolean isEcho(int protocol, int type) {
        return protocol == ICMP ? type == 8 || type == 0 : type == 128 || type == 129;
    }

    private static int u16(byte[] d, int off) {
        return (d[off] & 0xFF) << 8 | (d[off + 1] & 0xFF);
    }

    private static String endpoint(byte[] address, int port) {
        String a;
        try {
            a = InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            a = "?";
        }
        if (port < 0) return a;
        return address.length == 16 ? "[" + a + "]:" + port : a + ":" + port;
    }
}
