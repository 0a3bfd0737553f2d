/**
 * Wire formats for the packet-tunnel hot path: flyweight views over {@link java.nio.ByteBuffer}s, modelled on
 * smoltcp's {@code wire/} module.
 *
 * <p>Three kinds of type live here:
 * <ul>
 *   <li><b>Views</b> ({@link dev.netext.wire.Ipv4Packet}, {@link dev.netext.wire.Ipv6Packet},
 *       {@link dev.netext.wire.IcmpV4Packet}, {@link dev.netext.wire.IcmpV6Packet},
 *       {@link dev.netext.wire.UdpPacket}, {@link dev.netext.wire.TcpPacket}) read and write header fields in place.
 *       Each has a nested {@code Field} table that mirrors the RFC header diagram. A view is re-pointed with
 *       {@code wrap(buf, offset, length)} (never throws, never allocates), validated once with {@code check()}
 *       (throws the checked {@link dev.netext.wire.MalformedPacketException}) or {@code tryWrap(...)}
 *       (returns {@code false}, allocation-free); afterwards no accessor throws.</li>
 *   <li><b>Reprs</b> ({@link dev.netext.wire.Ipv4Repr}, {@link dev.netext.wire.Ipv6Repr},
 *       {@link dev.netext.wire.UdpRepr}, {@link dev.netext.wire.IcmpEchoRepr}) are parsed values:
 *       {@code parse(view)}, {@code bufferLen()}, {@code emit(view)}.</li>
 *   <li><b>Algorithms</b>: {@link dev.netext.wire.Checksum} (RFC 1071 / 1624) and
 *       {@link dev.netext.wire.PacketReflector} (in-place echo/UDP reply for the "pong" provider).</li>
 * </ul>
 *
 * <p>All offsets returned by views ({@code payloadOffset()}, {@code sourceAddressOffset()}, ...) are absolute
 * indices into the wrapped buffer, so a payload view is re-pointed with
 * {@code udp.wrap(ip.buffer(), ip.upperLayerOffset(), ip.upperLayerLength())}. Buffers are expected in
 * {@link java.nio.ByteOrder#BIG_ENDIAN} (the {@code ByteBuffer} default, i.e. network byte order).
 * Views are not thread-safe; keep one instance per worker loop.
 */
package dev.netext.wire;
