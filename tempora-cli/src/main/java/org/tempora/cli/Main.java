package org.tempora.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.tempora.Messages;
import org.tempora.TemporaException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code tempora} command line. Thin: parse, build a config, call the library, print. Errors become one
 * line on stderr and a documented exit code: 0 success, 2 usage error, 3 bad input data, 1 anything else.
 * {@code --debug} (on every command) adds the stack trace.
 */
@Command(name = "tempora", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Audio classifiers that spend compute only where the sound needs it.",
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, ClassifyCommand.class, InfoCommand.class,
                FbankCommand.class, StatsCommand.class, PresetsCommand.class, CompareCommand.class, GridCommand.class, BenchCommand.class, ExplainCommand.class, DoctorCommand.class, ServeCommand.class,
                ImportCommand.class, ExportCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 2 usage error (also: the run folder or cache entry is in use), 3 bad input data, "
                + "4 the engine is wrong on this CPU (see 'tempora doctor'), 130/143 stopped by SIGINT/SIGTERM (training is "
                + "checkpointed: continue with --resume), 1 anything else."})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_OTHER = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_BAD_INPUT = 3;
    public static final int EXIT_ENGINE = 4;

    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see 'tempora --help')");
    }

    public static void main(String[] args) {
        Signals.install(System.err);
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit code (used by tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine(out, err);
        return cl.execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        addSpark(cl);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // `tempora bench jmh ScanJmh -f 1 -wi 2`: JMH's options are passed through to JMH unparsed
        cl.getSubcommands().get("bench").getSubcommands().get("jmh").setUnmatchedOptionsArePositionalParams(true);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(Messages.oneLine(c.getCommandSpec().qualifiedName() + ": " + ex.getMessage()
                    + " (see '" + c.getCommandSpec().qualifiedName() + " --help')"));
            c.getErr().flush();
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parseResult) -> {
            boolean debug = parseResult.originalArgs().contains("--debug");
            PrintWriter e = c.getErr();
            int code;
            if (ex instanceof TemporaException te) {
                e.println(errorLine(te));
                code = te.exitCode();
            } else if (ex instanceof UncheckedIOException || ex instanceof IOException) {
                // an I/O failure the library did not name (its messages say what was being read or written)
                IOException io = ex instanceof UncheckedIOException u ? u.getCause() : (IOException) ex;
                boolean ownMessage = ex instanceof UncheckedIOException && ex.getMessage() != null
                        && !ex.getMessage().equals(String.valueOf(io));
                e.println(errorLine(ownMessage ? ex.getMessage() : Messages.io(io, null)));
                code = EXIT_OTHER;
            } else {
                e.println(errorLine("internal error: " + ex + (debug ? "" : " (rerun with --debug for the stack trace)")));
                code = EXIT_OTHER;
            }
            if (debug) ex.printStackTrace(e);
            e.flush();
            return code;
        });
        return cl;
    }

    /** The class of {@code tempora spark}, in tempora-spark (not a dependency of this module: see {@link #addSpark}). */
    static final String SPARK_COMMAND = "org.tempora.spark.cli.SparkCommand";

    /**
     * {@code tempora spark featurize|tag}: the command lives in tempora-spark and is added when that module is on the
     * class path ({@code ./tempora spark …} puts it there with Spark's jars). Spark is ~150 jars that no other command
     * needs, and its logging binding would clash with this module's; so tempora-cli does not depend on it, and without
     * it {@code spark} is a stub that says how to get it.
     */
    static void addSpark(CommandLine cl) {
        Object spark;
        try {
            spark = Class.forName(SPARK_COMMAND).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            spark = new SparkMissing();
        }
        cl.addSubcommand("spark", spark);
    }

    @Command(name = "spark", mixinStandardHelpOptions = true,
            description = "Featurise or tag large archives on Apache Spark (needs tempora-spark: run it through ./tempora).")
    static final class SparkMissing implements Runnable {
        @picocli.CommandLine.Unmatched
        java.util.List<String> args;

        @Override
        public void run() {
            throw new TemporaException("the spark command needs the tempora-spark module and Spark's jars on the class path: "
                    + "run it as ./tempora spark … (which adds tempora-spark/target/lib), or with spark-submit (README, \"Spark\")");
        }
    }

    /**
     * The one line an error gets on stderr: {@code tempora: <message>}, line breaks collapsed (a message is one line by
     * contract, but text from other libraries must never turn it into several).
     */
    static String errorLine(String message) {
        return "tempora: " + Messages.oneLine(message);
    }

    static String errorLine(TemporaException e) {
        return errorLine(e.getMessage());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tempora " + (v == null ? "(development build)" : v)};
        }
    }
}
