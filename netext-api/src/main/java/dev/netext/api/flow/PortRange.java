package dev.netext.api.flow;

/** An inclusive range of ports, {@code 443} or {@code 8000-8100}. {@link #ALL} is 0-65535. */
public record PortRange(int first, int last) {
    public static final PortRange ALL = new PortRange(0, 65_535);

    public PortRange {
        if (first < 0 || last > 65_535 || first > last)
            throw new IllegalArgumentException("port range " + first + "-" + last + " is not within 0..65535 in order");
    }

    public static PortRange of(int port) { return new PortRange(port, port); }

    /** Parses {@code 443}, {@code 8000-8100} or {@code *}. */
    public static PortRange parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty port range");
        String s = text.strip();
        if (s.equals("*")) return ALL;
        int dash = s.indexOf('-');
        return dash < 0 ? of(port(s, text)) : new PortRange(port(s.substring(0, dash), text), port(s.substring(dash + 1), text));
    }

    private static int port(String s, String text) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(Character::isDigit))
            throw new IllegalArgumentException("bad port in '" + text + "'");
        return Integer.parseInt(s);
    }

    public boolean contains(int port) { return port >= first && port <= last; }

    public boolean isAll() { return first == 0 && last == 65_535; }

    @Override
    public String toString() { return isAll() ? "*" : first == last ? Integer.toString(first) : first + "-" + last; }
}
