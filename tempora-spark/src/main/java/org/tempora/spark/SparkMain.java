package org.tempora.spark;

import java.io.PrintWriter;
import org.tempora.Messages;
import org.tempora.TemporaException;
import org.tempora.spark.cli.SparkCommand;
import picocli.CommandLine;

/**
 * The spark-submit entry point: {@code spark-submit --class org.tempora.spark.SparkMain … tempora-spark.jar featurize|tag …}
 * takes the same arguments as {@code tempora spark}. Errors are one line on stderr and the documented exit code.
 */
public final class SparkMain {
    private SparkMain() {}

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new SparkCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(Messages.oneLine("tempora: " + c.getCommandSpec().qualifiedName() + ": " + ex.getMessage()));
            c.getErr().flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            boolean debug = parsed.originalArgs().contains("--debug");
            int code = ex instanceof TemporaException te ? te.exitCode() : 1;
            c.getErr().println("tempora: " + Messages.oneLine(ex instanceof TemporaException ? ex.getMessage()
                    : "internal error: " + ex + (debug ? "" : " (rerun with --debug for the stack trace)")));
            if (debug) ex.printStackTrace(c.getErr());
            c.getErr().flush();
            return code;
        });
        return cl.execute(args);
    }
}
