package dev.netext.wire.peek;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Collectors;

/** Loads the hex files in src/test/resources/dev/netext/wire/peek (see the README there). */
public final class PeekVectors {
    private PeekVectors() {}

    public static byte[] load(String name) {
        try (InputStream in = PeekVectors.class.getResourceAsStream("/dev/netext/wire/peek/" + name)) {
            if (in == null) throw new IllegalArgumentException("no vector " + name);
            String text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return hex(text.lines().filter(l -> !l.startsWith("#")).collect(Collectors.joining()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s", ""));
    }
}
