package org.tempora.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Converters that refuse, while the command line is parsed, a number no command can use: a count below 1 (or below 0
 * where 0 means "none" or "all"), NaN, Infinity, a negative length. picocli turns the refusal into one line naming
 * the option ({@code Invalid value for option '--top-k': 0 (must be at least 1)}) and exit code 2, before any file
 * is read.
 */
final class OptionValues {
    private OptionValues() {}

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + s + "' is not an integer");
        }
    }

    private static double parseDouble(String s) {
        try {
            return Double.parseDouble(s.strip());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + s + "' is not a number");
        }
    }

    /** 1, 2, 3, …: threads, epochs, labels, batch sizes, mel bins. */
    static final class Count implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            int v = parseInt(s);
            if (v < 1) throw new TypeConversionException(v + " (must be at least 1)");
            return v;
        }
    }

    /** 0, 1, 2, …: where 0 means none, keep or all. */
    static final class CountOrZero implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            int v = parseInt(s);
            if (v < 0) throw new TypeConversionException(v + " (must be 0 or more)");
            return v;
        }
    }

    /** A finite number above 0: lengths, shifts, a standard deviation. */
    static final class Positive implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = parseDouble(s);
            if (!(v > 0) || Double.isInfinite(v)) throw new TypeConversionException(show(v) + " (must be a finite number above 0)");
            return v;
        }
    }

    /** A finite number, 0 or above: a hop where 0 means the default, a dither amplitude. */
    static final class NonNegative implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = parseDouble(s);
            if (!(v >= 0) || Double.isInfinite(v)) throw new TypeConversionException(show(v) + " (must be a finite number, 0 or more)");
            return v;
        }
    }

    /** Any finite number (a frequency that may be relative to Nyquist, a mean). */
    static final class Finite implements ITypeConverter<Double> {
        @Override
        public Double convert(String s) {
            double v = parseDouble(s);
            if (!Double.isFinite(v)) throw new TypeConversionException(show(v) + " (must be a finite number)");
            return v;
        }
    }

    private static String show(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v);
    }
}
