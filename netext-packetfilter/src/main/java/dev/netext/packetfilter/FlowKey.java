package dev.netext.packetfilter;

import dev.netext.api.ProviderEvent;
import dev.netext.wire.IpProtocol;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A connection's identity read from a packet: protocol and both endpoints, ordered so that both directions of a
 * connection give the same key. Used for the flow id the provider sees and for flows whose decision waits for their
 * next packet. Malformed or fragmented packets have no key.
 */
final class FlowKey {
    private FlowKey() {}

    /** The canonical key bytes, or null. */
    static byte[] of(ByteBuffer p) {
        int n = p.remaining(), o = p.position();
        if (n < 20) return null;
        int version = (p.get(o) >>> 4) & 0xF;
        int proto, hdr, addrOff, addrLen;
        if (version == 4) {
            hdr = (p.get(o) & 0xF) * 4;
            if (hdr < 20 || n < hdr) return null;
            if ((p.getShort(o + 6) & 0x3FFF) != 0) return null; // a fragment: ports are not here
            proto = p.get(o + 9) & 0xFF;
            addrOff = 12;
            addrLen = 4;
        } else if (version == 6) {
            if (n < 40) return null;
            hdr = 40;
            proto = p.get(o + 6) & 0xFF; // extension headers: key without ports below
            addrOff = 8;
            addrLen = 16;
        } else {
            return null;
        }
        int sport = 0, dport = 0;
        if ((proto == IpProtocol.TCP || proto == IpProtocol.UDP) && n >= hdr + 4) {
            sport = p.getShort(o + hdr) & 0xFFFF;
            dport = p.getShort(o + hdr + 2) & 0xFFFF;
        }
        byte[] a = new byte[addrLen + 2], b = new byte[addrLen + 2];
        p.get(o + addrOff, a, 0, addrLen);
        p.get(o + addrOff + addrLen, b, 0, addrLen);
        a[addrLen] = (byte) (sport >>> 8); a[addrLen + 1] = (byte) sport;
        b[addrLen] = (byte) (dport >>> 8); b[addrLen + 1] = (byte) dport;
        boolean swap = Arrays.compareUnsigned(a, b) > 0;
        byte[] key = new byte[1 + 2 * a.length];
        key[0] = (byte) proto;
        System.arraycopy(swap ? b : a, 0, key, 1, a.length);
        System.arraycopy(swap ? a : b, 0, key, 1 + a.length, a.length);
        return key;
    }

    /** A positive 63-bit id for the key (FNV-1a), or {@link ProviderEvent#NO_FLOW}. */
    static long id(byte[] key) {
        if (key == null) return ProviderEvent.NO_FLOW;
        long h = 0xcbf29ce484222325L;
        for (byte x : key) {
            h ^= x & 0xFF;
            h *= 0x100000001b3L;
        }
        h &= Long.MAX_VALUE;
        return h == 0 ? 1 : h;
    }
}
