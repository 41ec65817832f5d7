package org.tempora.cli;

import picocli.CommandLine.Option;

/** {@code --threads N}, shared by the commands that run the engine or decode in parallel (default: all cores). */
final class ThreadsOption {
    @Option(names = "--threads", paramLabel = "N", converter = OptionValues.Count.class, description = "Threads (default: all cores).")
    Integer threads;

    /** The requested count (at least 1: the converter refuses less), or every core. */
    int resolve() {
        return threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    }
}
