package org.tempora.cli;

import picocli.CommandLine.Option;

/** {@code --debug} on every command: print stack traces of errors (the handler reads the raw arguments). */
public final class DebugOption {
    @Option(names = "--debug", description = "Print the stack trace of an error.")
    boolean debug;
}
