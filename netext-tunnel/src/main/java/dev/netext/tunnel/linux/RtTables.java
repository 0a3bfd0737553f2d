package dev.netext.tunnel.linux;

/** Routing table names as {@code ip} prints them. */
final class RtTables {
    private RtTables() {}

    static String name(int table) {
        return switch (table) {
            case 254 -> "main";
            case 255 -> "local";
            case 253 -> "default";
            default -> Integer.toString(table);
        };
    }
}
