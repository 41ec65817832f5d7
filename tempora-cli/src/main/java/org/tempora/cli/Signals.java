package org.tempora.cli;

import java.io.PrintStream;
import org.tempora.Stop;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT (timeout, docker stop, a CI runner, Ctrl-C). The first one asks the library to stop at its next
 * safe point ({@link Stop}): training writes a resumable checkpoint after the step in flight, releases native memory
 * on the way out, and the command exits 143 (TERM) or 130 (INT) with one line. When nothing polls for a stop (a
 * command between long loops, or one without any), the process exits at once with that code (shutdown hooks remove
 * the temporary files of writes in flight, see {@code AtomicFiles}). A second signal halts at once, whatever runs.
 *
 * <p>The JVM's own handling would run the shutdown hooks while the main thread is inside libtorch, which crashed the
 * process (SIGSEGV in the backward pass). {@code sun.misc.Signal} is the JDK's supported way (module jdk.unsupported)
 * to take the signal over.
 */
final class Signals {
    private Signals() {}

    private static volatile boolean installed;

    static synchronized void install(PrintStream err) {
        if (installed) return;
        installed = true;
        handle("TERM", 143, err);
        handle("INT", 130, err);
    }

    private static void handle(String name, int code, PrintStream err) {
        try {
            Signal.handle(new Signal(name), sig -> {
                if (Stop.requested() != null) {
                    err.println("tempora: second SIG" + name + ": exiting now");
                    err.flush();
                    Runtime.getRuntime().halt(code);
                }
                Stop.request(name, code);
                if (!Stop.anyoneCooperating()) {
                    // nothing polls: exit now; the shutdown hooks remove temporary files of writes in flight
                    err.println("tempora: stopped by SIG" + name);
                    err.flush();
                    System.exit(code);
                }
            });
        } catch (IllegalArgumentException e) {
            // the platform has no such signal (or the JVM reserves it): keep its default handling
        }
    }
}
