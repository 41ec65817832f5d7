package org.tempora;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A request to stop, made by whoever owns the process (the CLI's SIGTERM/SIGINT handler, a server shutting down) and
 * honoured by the long loops at points where stopping leaves everything consistent: the trainer after an optimiser
 * step (it writes a resumable checkpoint first), evaluation between batches, feature extraction between clips.
 *
 * <p>A loop that polls says so with {@link #cooperate()}, so the requester knows whether anybody will notice: with no
 * cooperating region active, the CLI exits at once instead.
 */
public final class Stop {
    private Stop() {}

    /** Why to stop: the signal's name (TERM, INT) and the exit code a command stopped this way ends with. */
    public record Request(String signal, int exitCode) {}

    private static volatile Request request;
    private static final AtomicInteger COOPERATING = new AtomicInteger();

    /** Asks the running loops to stop at their next safe point. */
    public static void request(String signal, int exitCode) {
        if (request == null) request = new Request(signal, exitCode);
    }

    /** The pending request, or null. */
    public static Request requested() {
        return request;
    }

    /** Forgets a request (tests, or a process that goes on after handling one). */
    public static void clear() {
        request = null;
    }

    /** @throws StoppedException if a stop was requested, with {@code where} describing what was left resumable */
    public static void check(String where) {
        Request r = request;
        if (r != null) throw new StoppedException(r, where);
    }

    /** Marks a region that polls {@link #check}; close it when the region ends. */
    public static Region cooperate() {
        COOPERATING.incrementAndGet();
        return COOPERATING::decrementAndGet;
    }

    /** Whether some running loop polls for a stop now. */
    public static boolean anyoneCooperating() {
        return COOPERATING.get() > 0;
    }

    /** A region that polls for a stop. */
    @FunctionalInterface
    public interface Region extends AutoCloseable {
        @Override
        void close();
    }

    /** The work stopped on request; the message says what can be resumed. Exit code 130 (INT) or 143 (TERM). */
    public static final class StoppedException extends TemporaException {
        private static final long serialVersionUID = 1L;
        private final int exitCode;

        StoppedException(Request r, String where) {
            super("stopped by SIG" + r.signal() + (where == null || where.isBlank() ? "" : " " + where));
            this.exitCode = r.exitCode();
        }

        @Override
        public int exitCode() {
            return exitCode;
        }
    }
}
