package dev.netext.wire;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** Loads src/test/resources/dev/netext/wire/vectors/vectors.txt (see the README next to it). */
final class Vectors {
    private static final Map<String, byte[]> ALL = load();

    private Vectors() {}

    static byte[] bytes(String name) {
        byte[] b = ALL.get(name);
        if (b == null) {
            throw new IllegalArgumentException("no vector " + name);
        }
        return b.clone();
    }

    static ByteBuffer buffer(String name) {
        return ByteBuffer.wrap(bytes(name));
    }

    static Map<String, byte[]> all() {
        return ALL;
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static Map<String, byte[]> load() {
        var in = Vectors.class.getResourceAsStream("vectors/vectors.txt");
        if (in == null) {
            throw new IllegalStateException("vectors.txt missing");
        }
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                m.put(parts[0], HexFormat.of().parseHex(parts[1]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }
}
