package org.tempora.audio;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Keeps jflac's one debug print off standard output.
 *
 * <p>jflac 1.5.2 (used unmodified) calls {@code System.out.println("readResidual elsecase, pEsc = 15")} for every
 * escape-coded residual partition it decodes: legal FLAC, rare from encoders, frequent in corrupt files. The
 * library must never print, so while a FLAC frame is being decoded on a thread, exactly that line is dropped for that
 * thread. To do so {@code System.out} is wrapped, once, in a pass-through {@link PrintStream} that forwards every
 * call to the stream it wraps unchanged; only {@code println(String)} calls that start with that text, made by a
 * thread inside {@link #quietly}, are swallowed. If the application later replaces {@code System.out}, the next
 * FLAC decode wraps the new stream.
 */
final class JflacStdoutGuard {
    private static final String JFLAC_DEBUG_LINE = "readResidual elsecase";
    private static final ThreadLocal<Boolean> DECODING = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private JflacStdoutGuard() {}

    /** Something that decodes with jflac. */
    @FunctionalInterface
    interface Decode<T, E extends Exception> {
        T run() throws E;
    }

    /** Runs {@code decode} with jflac's debug line suppressed on this thread. */
    static <T, E extends Exception> T quietly(Decode<T, E> decode) throws E {
        install();
        boolean outer = DECODING.get();
        DECODING.set(Boolean.TRUE);
        try {
            return decode.run();
        } finally {
            if (!outer) DECODING.set(Boolean.FALSE);
        }
    }

    private static void install() {
        if (System.out instanceof Filter) return;
        synchronized (JflacStdoutGuard.class) {
            PrintStream current = System.out;
            if (!(current instanceof Filter)) System.setOut(new Filter(current));
        }
    }

    /** Forwards everything to {@code target}; drops only jflac's debug line on a decoding thread. */
    private static final class Filter extends PrintStream {
        private final PrintStream target;

        Filter(PrintStream target) {
            super(target, true);
            this.target = target;
        }

        @Override
        public void println(String x) {
            if (x != null && x.startsWith(JFLAC_DEBUG_LINE) && DECODING.get()) return;
            target.println(x);
        }

        // everything else goes to the wrapped stream untouched (its encoding, its flushing)
        @Override public void write(int b) { target.write(b); }
        @Override public void write(byte[] buf, int off, int len) { target.write(buf, off, len); }
        @Override public void flush() { target.flush(); }
        @Override public void close() { target.close(); }
        @Override public boolean checkError() { return target.checkError(); }
        @Override public void print(boolean b) { target.print(b); }
        @Override public void print(char c) { target.print(c); }
        @Override public void print(int i) { target.print(i); }
        @Override public void print(long l) { target.print(l); }
        @Override public void print(float f) { target.print(f); }
        @Override public void print(double d) { target.print(d); }
        @Override public void print(char[] s) { target.print(s); }
        @Override public void print(String s) { target.print(s); }
        @Override public void print(Object obj) { target.print(obj); }
        @Override public void println() { target.println(); }
        @Override public void println(boolean x) { target.println(x); }
        @Override public void println(char x) { target.println(x); }
        @Override public void println(int x) { target.println(x); }
        @Override public void println(long x) { target.println(x); }
        @Override public void println(float x) { target.println(x); }
        @Override public void println(double x) { target.println(x); }
        @Override public void println(char[] x) { target.println(x); }
        @Override public void println(Object x) { target.println(x); }
        @Override public PrintStream printf(String format, Object... args) { target.printf(format, args); return this; }
        @Override public PrintStream printf(Locale l, String format, Object... args) { target.printf(l, format, args); return this; }
        @Override public PrintStream format(String format, Object... args) { target.format(format, args); return this; }
        @Override public PrintStream format(Locale l, String format, Object... args) { target.format(l, format, args); return this; }
        @Override public PrintStream append(CharSequence csq) { target.append(csq); return this; }
        @Override public PrintStream append(CharSequence csq, int start, int end) { target.append(csq, start, end); return this; }
        @Override public PrintStream append(char c) { target.append(c); return this; }
    }
}
