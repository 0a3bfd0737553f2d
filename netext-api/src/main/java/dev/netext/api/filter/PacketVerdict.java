package dev.netext.api.filter;

import dev.netext.api.Verdict;
import dev.netext.api.net.IpFamily;

import java.nio.ByteBuffer;

/**
 * The verdict on one packet: {@code NEFilterPacketProvider.Verdict} ({@code allow}, {@code drop}, {@code delay}),
 * plus {@link Modify}, which NE cannot do at all.
 */
public sealed interface PacketVerdict extends Verdict
        permits PacketVerdict.Allow, PacketVerdict.Drop, PacketVerdict.Delay, PacketVerdict.Modify {

    PacketVerdict ALLOW = new Allow();
    PacketVerdict DROP = new Drop();

    record Allow() implements PacketVerdict {}

    record Drop() implements PacketVerdict {}

    /**
     * The packet is held until its {@link DelayedPacket} is released. Obtained from {@link PacketContext#delay()},
     * never built by hand: the host checks that the handle belongs to the packet being decided.
     */
    record Delay(DelayedPacket handle) implements PacketVerdict {
        public Delay {
            if (handle == null) throw new IllegalArgumentException("handle is null");
        }
    }

    /**
     * Replace the packet with {@code bytes} (copied), a whole IP packet of the same family. With
     * {@code recomputeChecksums} the host fixes the IPv4 header checksum and the TCP/UDP/ICMP checksum, so an
     * edit needs no checksum code.
     */
    record Modify(ByteBuffer bytes, boolean recomputeChecksums) implements PacketVerdict {
        public static final int MAX_SIZE = 65_535;

        public Modify {
            if (bytes == null) throw new IllegalArgumentException("bytes is null");
            int n = bytes.remaining();
            if (n < 20 || n > MAX_SIZE) throw new IllegalArgumentException("packet of " + n + " bytes outside 20.." + MAX_SIZE);
            if (IpFamily.ofFirstByte(bytes.get(bytes.position())) == null)
                throw new IllegalArgumentException("not an IPv4 or IPv6 packet: version nibble " + ((bytes.get(bytes.position()) >> 4) & 0xF));
            bytes = ByteBuffer.allocate(n).put(bytes.duplicate()).flip().asReadOnlyBuffer();
        }

        public IpFamily family() { return IpFamily.ofFirstByte(bytes.get(0)); }
    }

    static PacketVerdict modify(ByteBuffer bytes) { return new Modify(bytes, true); }
}
