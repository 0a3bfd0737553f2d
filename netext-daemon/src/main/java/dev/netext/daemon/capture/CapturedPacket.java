package dev.netext.daemon.capture;

/**
 * One packet copied out of a tunnel.
 *
 * @param epochNanos     when it passed, nanoseconds since the epoch
 * @param inbound        true for packets the provider wrote to the system, false for packets the system sent in
 * @param data           its first bytes (up to the capture's snaplen)
 * @param originalLength its full length
 */
public record CapturedPacket(long epochNanos, boolean inbound, byte[] data, int originalLength) {
    public String direction() { return inbound ? "in" : "out"; }
}
