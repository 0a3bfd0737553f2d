/**
 * pcapng output: {@link dev.netext.wire.pcapng.PcapngWriter} writes a section with interfaces and Enhanced Packet
 * Blocks carrying nanosecond timestamps and per-packet comments, readable by Wireshark and tshark. Writing only: no
 * parser here, so there is no untrusted input to fuzz.
 */
package dev.netext.wire.pcapng;
