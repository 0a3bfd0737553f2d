package dev.netext.cli;

import dev.netext.wire.pcapng.PcapngWriter;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.function.LongFunction;

/**
 * Range checks for numeric options, as picocli converters: picocli names the option and the converter names the
 * accepted range, so a bad value reads {@code Invalid value for option '--threads': -1 is out of range (accepted: 1..1024)}
 * like every other parameter error of the CLI (exit code 2, before the command runs). Use as
 * {@code @Option(names = "--threads", converter = OptionRange.Threads.class)}; a new range is a new three-line subclass.
 */
public final class OptionRange {
    private OptionRange() {}

    /** Parses {@code text} as a whole number in {@code min..max}, or says which range is accepted. */
    static long parse(String text, long min, long max) {
        long v;
        try {
            v = Long.parseLong(text.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a whole number (accepted: " + describe(min, max) + ")");
        }
        if (v < min || v > max) throw new TypeConversionException(v + " is out of range (accepted: " + describe(min, max) + ")");
        return v;
    }

    static String describe(long min, long max) {
        if (max == Long.MAX_VALUE || max == Integer.MAX_VALUE) return min + " or more";
        return min + ".." + max;
    }

    /** An option in {@code min..max}, parsed as a {@code long} and handed over as {@code T}. */
    abstract static class In<T> implements ITypeConverter<T> {
        private final long min;
        private final long max;
        private final LongFunction<T> as;

        In(long min, long max, LongFunction<T> as) {
            this.min = min;
            this.max = max;
            this.as = as;
        }

        @Override
        public T convert(String text) { return as.apply(parse(text, min, max)); }
    }

    /** An {@code int} option in {@code min..max}. */
    public abstract static class IntIn extends In<Integer> { IntIn(int min, int max) { super(min, max, v -> (int) v); } }

    /** A {@code long} option in {@code min..max}. */
    abstract static class LongIn extends In<Long> { LongIn(long min, long max) { super(min, max, v -> v); } }

    /** Counts and sizes where 0 means "off" or "no limit". */
    public static final class NonNegativeInt extends IntIn { public NonNegativeInt() { super(0, Integer.MAX_VALUE); } }

    public static final class PositiveInt extends IntIn { public PositiveInt() { super(1, Integer.MAX_VALUE); } }

    static final class NonNegativeLong extends LongIn { NonNegativeLong() { super(0, Long.MAX_VALUE); } }

    static final class PositiveLong extends LongIn { PositiveLong() { super(1, Long.MAX_VALUE); } }

    /** Event-loop and worker thread counts: more than this only costs memory. */
    static final class Threads extends IntIn { Threads() { super(1, 1024); } }

    /**
     * Milliseconds of a timeout or delay: at least 1, at most a day (a caller may multiply it, e.g. DNS's query timeout
     * is 3 attempts).
     */
    static final class Millis extends LongIn { Millis() { super(1, 86_400_000); } }

    /** A per-client rate in queries per second; 0 turns the limit off (the same bound as a profile's {@code rate-limit}). */
    static final class Rate extends LongIn { Rate() { super(0, 10_000_000); } }

    /** A captured packet's kept bytes (pcapng's snaplen). */
    static final class Snaplen extends IntIn { Snaplen() { super(1, PcapngWriter.MAX_SNAPLEN); } }

    /** Seconds as a decimal ({@code 0.5}); 0 means "no limit". */
    static final class NonNegativeSeconds implements ITypeConverter<Double> {
        @Override
        public Double convert(String text) {
            double v;
            try {
                v = Double.parseDouble(text.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + text + "' is not a number of seconds (accepted: 0 or more)");
            }
            if (!(v >= 0) || Double.isInfinite(v)) throw new TypeConversionException(text.strip() + " is out of range (accepted: 0 or more)");
            return v;
        }
    }
}
