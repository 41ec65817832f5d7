package org.tempora.spark.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tempora spark featurize|tag}: the Spark jobs as commands. It lives in tempora-spark, not tempora-cli, so
 * that Spark's ~150 jars stay off the class path of every other command; tempora-cli adds it reflectively when this
 * module is on the class path ({@code ./tempora spark …} puts it there), and {@link org.tempora.spark.SparkMain} runs
 * it under spark-submit.
 */
@Command(name = "spark", mixinStandardHelpOptions = true,
        description = {"Run tempora's feature extraction and tagging on Apache Spark (local[N] or a cluster).",
                "Exit codes: 0 success, 2 usage error, 3 bad input data, 1 anything else (docs/scale.md)."},
        subcommands = {FeaturizeCommand.class, TagCommand.class, CommandLine.HelpCommand.class})
public final class SparkCommand implements Runnable {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: featurize or tag");
    }

    /** What both jobs take: the master, and --debug (read by the error handler from the raw arguments). */
    abstract static class Job implements Callable<Integer> {
        @Option(names = "--master", paramLabel = "URL", description = "Spark master: local[2], local[*], spark://host:7077, yarn, k8s://… "
                + "(default: the one spark-submit sets).")
        String master;

        @Option(names = "--debug", description = "Print the stack trace of an error.")
        boolean debug;

        @Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }
}
