package org.tempora.cli;

import picocli.CommandLine.Option;

/** {@code --threads N}, shared by the commands that run the engine or decode in parallel (default: all cores). */
final class ThreadsOption {
    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: all cores).")
    Integer threads;

    /** The requested count, at least 1, or every core. */
    int resolve() {
        return threads == null ? Runtime.getRuntime().availableProcessors() : Math.max(1, threads);
    }
}
