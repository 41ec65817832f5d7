package org.tempora.spark.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.spark.SparkFeaturize;
import org.tempora.spark.SparkJobs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tempora spark featurize --master URL DATASET --out CACHE}: the feature cache, computed on Spark. */
@Command(name = "featurize", mixinStandardHelpOptions = true,
        description = {"Compute the fbank features of a dataset on Spark into a feature cache folder that "
                + "'tempora train --cache OUT' reads directly (same cache keys, same data digest as local features). "
                + "Give the same --preset/--config/--set as the training run: the features and the split follow them.",
                "Each split's entry is written as shard files plus index.json, renamed into place when complete."})
final class FeaturizeCommand extends SparkCommand.Job {
    @Parameters(index = "0", paramLabel = "DATASET", description = "Dataset folder (any layout 'tempora train' reads), as the training machine sees it.")
    String dataset;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "CACHE", description = "Feature cache folder (local or any Hadoop file system URI).")
    String out;

    @Option(names = {"-p", "--preset"}, paramLabel = "NAME", description = "A named preset (see 'tempora presets').")
    String preset;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "A YAML/JSON experiment config.")
    Path config;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Override one config value. Repeatable.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--layout", paramLabel = "LAYOUT", description = "auto, speechcommands, esc50, audioset, folders (sets data.layout).")
    String layout;

    @Option(names = "--seed", description = "Sets seed (it decides splits where the layout draws them).")
    Long seed;

    @Option(names = "--skip-bad", description = "Skip unreadable audio (listed in the entry) instead of failing.")
    boolean skipBad;

    @Option(names = "--audio-root", paramLabel = "URI", description = "Executors read DATASET's files from this copy of the folder "
            + "(hdfs://…, s3a://…) instead of DATASET itself.")
    String audioRoot;

    @Option(names = "--shard-clips", defaultValue = "1000", paramLabel = "N", description = "At most N clips per shard file (default: ${DEFAULT-VALUE}).")
    int shardClips;

    @Override
    public Integer call() {
        List<String> all = new ArrayList<>(overrides);
        all.add("data.path='" + dataset.replace("'", "''") + "'");
        if (layout != null) all.add("data.layout=" + layout);
        if (seed != null) all.add("seed=" + seed);
        if (skipBad) all.add("data.skip_bad=true");
        ExperimentConfig cfg = ConfigLoader.load(preset, config, all);
        SparkFeaturize.Options o = new SparkFeaturize.Options(cfg, out, audioRoot, shardClips);
        SparkSession spark = SparkJobs.session(master, "tempora featurize");
        try {
            SparkFeaturize.Result r = SparkFeaturize.run(spark, o);
            for (SparkFeaturize.Entry e : r.entries()) {
                if (e.reused()) {
                    out().printf(Locale.ROOT, "%-5s %s  already in the cache (%d clips)%n", e.split(), e.key(), e.clips());
                } else {
                    out().printf(Locale.ROOT, "%-5s %s  %d of %d clips in %d shards%s%n", e.split(), e.key(), e.kept(), e.clips(), e.shards(),
                            e.skipped().isEmpty() ? "" : ", " + e.skipped().size() + " skipped as bad");
                }
            }
            out().println("data digest " + r.digest() + "; train with: tempora train … --cache " + out);
            return 0;
        } finally {
            spark.stop();
        }
    }
}
