package dev.netext.cli.sandbox;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What {@code ping}'s summary says: sent, received, average round trip. */
record PingResult(int sent, int received, double avgMillis) {
    private static final Pattern COUNTS = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");
    private static final Pattern RTT = Pattern.compile("= [\\d.]+/([\\d.]+)/[\\d.]+/[\\d.]+ ms");

    static PingResult parse(String output) {
        Matcher c = COUNTS.matcher(output);
        if (!c.find()) return new PingResult(0, 0, Double.NaN);
        Matcher r = RTT.matcher(output);
        double avg = r.find() ? Double.parseDouble(r.group(1)) : Double.NaN;
        return new PingResult(Integer.parseInt(c.group(1)), Integer.parseInt(c.group(2)), avg);
    }
}
