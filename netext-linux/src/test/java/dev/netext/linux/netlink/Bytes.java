package dev.netext.linux.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/** Test helper: hex text (spaces and newlines ignored) to and from little-endian buffers. */
final class Bytes {
    private Bytes() {}

    static ByteBuffer hex(String text) {
        return ByteBuffer.wrap(HexFormat.of().parseHex(text.replaceAll("\\s+", ""))).order(ByteOrder.nativeOrder());
    }

    static String hex(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return HexFormat.of().formatHex(a);
    }

    static String norm(String text) {
        return text.replaceAll("\\s+", "").toLowerCase(java.util.Locale.ROOT);
    }
}
