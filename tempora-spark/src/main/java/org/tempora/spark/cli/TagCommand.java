package org.tempora.spark.cli;

import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.tempora.spark.SparkJobs;
import org.tempora.spark.SparkTag;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tempora spark tag --master URL --model RUN INPUT --out OUT}: top-k labels of many files, on Spark. */
@Command(name = "tag", mixinStandardHelpOptions = true,
        description = {"Tag every audio file of a folder or manifest with a model's top-k labels and scores on Spark, exactly "
                + "as 'tempora classify' scores them. The model is broadcast once and loaded once per executor.",
                "Columns: file, duration_s, label_1, score_1, …, label_K, score_K, error. A file that cannot be read gets "
                + "its error and no labels; the job goes on (exit 0, the count is printed)."})
final class TagCommand extends SparkCommand.Job {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "RUN", description = "A finished run folder (model.json + model.npz).")
    Path model;

    @Parameters(index = "0", paramLabel = "INPUT", description = "Folder of .wav/.flac (recursive) or a manifest (one path or URI a line), on any Hadoop file system.")
    String input;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "OUT", description = "Output folder (local or any Hadoop file system URI).")
    String out;

    @Option(names = "--format", defaultValue = "parquet", paramLabel = "parquet|csv|jsonl", description = "Output format (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = {"-k", "--top-k"}, defaultValue = "3", paramLabel = "K", description = "Labels per file (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--hop", defaultValue = "0", paramLabel = "SECONDS", description = "Window hop for long files (default: half a window).")
    double hop;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N", description = "Engine threads per executor (default: ${DEFAULT-VALUE}; one task runs per core).")
    int threads;

    @Option(names = "--partitions", defaultValue = "0", paramLabel = "N", description = "Spark partitions (default: 4 per core of the application).")
    int partitions;

    @Option(names = "--overwrite", description = "Replace an earlier tag output in OUT.")
    boolean overwrite;

    @Override
    public Integer call() {
        SparkTag.Options o = new SparkTag.Options(model, input, out, SparkTag.Format.parse(format), topK, hop, threads, partitions, overwrite);
        SparkSession spark = SparkJobs.session(master, "tempora tag");
        try {
            SparkTag.Result r = SparkTag.run(spark, o);
            out().printf(Locale.ROOT, "tagged %d files into %s (%s)%s%n", r.files() - r.errors(), r.out(), format.toLowerCase(Locale.ROOT),
                    r.errors() == 0 ? "" : "; " + r.errors() + " could not be read (see the error column)");
            return 0;
        } finally {
            spark.stop();
        }
    }
}
