package org.tempora.report;

import java.util.Locale;

/** HTML escaping and value formatting for reports. */
final class Html {
    private Html() {}

    /** Escapes {@code & < > " '} so any text is safe in element content and quoted attributes. */
    static String escape(String s) {
        if (s == null) return "";
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(ch);
            }
        }
        return sb.toString();
    }

    /**
     * A value as table text (not yet escaped): integers with thousands separators (and an SI suffix from 10⁶ on);
     * floating point with 4 decimals between 10⁻³ and 10⁵, else 4 significant digits in scientific notation.
     */
    static String format(Object v) {
        if (v == null) return "";
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d)) return "NaN";
            if (Double.isInfinite(d)) return d > 0 ? "∞" : "−∞";
            if (d == 0) return "0";
            double a = Math.abs(d);
            if (a >= 1e-3 && a < 1e5) return String.format(Locale.ROOT, "%.4f", d);
            return String.format(Locale.ROOT, "%.4g", d);
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            long n = ((Number) v).longValue();
            String s = String.format(Locale.ROOT, "%,d", n);
            long a = Math.abs(n);
            if (a >= 1_000_000_000_000L) return s + String.format(Locale.ROOT, " (%.3f T)", n / 1e12);
            if (a >= 1_000_000_000L) return s + String.format(Locale.ROOT, " (%.3f G)", n / 1e9);
            if (a >= 1_000_000L) return s + String.format(Locale.ROOT, " (%.3f M)", n / 1e6);
            return s;
        }
        return String.valueOf(v);
    }
}
