/**
 * Packet capture from running tunnels: a {@link dev.netext.daemon.capture.CaptureRing} tees a tunnel's packets
 * (both directions, bounded, dropping rather than waiting), {@link dev.netext.daemon.capture.CaptureFlows} numbers
 * flows and writes the per-packet comment; the control API's {@code capture} op streams them to the CLI, which writes
 * pcapng with {@code dev.netext.wire.pcapng.PcapngWriter}.
 */
package dev.netext.daemon.capture;
