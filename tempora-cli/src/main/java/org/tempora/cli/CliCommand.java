package org.tempora.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every tempora command has: {@code --debug} (stack traces on errors, handled by {@link Main}) and its picocli
 * spec, through which it writes ({@link #out()}, {@link #err()}) so tests can capture the output.
 */
abstract class CliCommand implements Callable<Integer> {
    @Mixin
    DebugOption debug;

    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
