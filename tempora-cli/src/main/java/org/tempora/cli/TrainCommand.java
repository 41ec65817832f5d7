package org.tempora.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.FeatureCache;
import org.tempora.run.Experiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tempora train}: one experiment from a preset/config to a run folder with model and report. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train a model: read the dataset (layout detected from the folder), compute or reuse cached features, "
                + "train with checkpoints, evaluate the test split, and write model.npz, model.json, metrics and report.html "
                + "into the run folder.",
                "Example: tempora train --preset ast-kws --data /data/kws35 --out runs/kws --epochs 10"})
final class TrainCommand extends CliCommand {
    @Mixin
    ExperimentOptions exp;

    @Option(names = {"-o", "--out"}, paramLabel = "RUN", description = "Run folder (default: runs/<name>).")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint, or start it if it was "
            + "stopped before its first one (same result as uninterrupted). Without --preset/--config it uses the run's own "
            + "config.yaml; a config that differs is refused, except name, train.threads and train.data_threads.")
    boolean resume;

    @Option(names = "--overwrite", description = "Replace the run in --out: removes only the files that run wrote "
            + "(listed in RUN/.tempora-files), never anything else. A folder that is not empty and holds no run is refused.")
    boolean overwrite;

    @Option(names = "--init", paramLabel = "CHECKPOINT", description = "Start from a checkpoint's weights (sets train.init): a "
            + "PyTorch AST checkpoint (YuanGongND or Hugging Face, torch.save or safetensors), an ImageNet DeiT (timm's distilled DeiT, "
            + "adapted as AST does: RGB kernel summed, 24x24 or 14x14 positions cut or stretched to the audio grid), a run folder or a .npz. "
            + "The positional embedding is adapted to the input length and the head is new when the classes differ (docs/interop.md).")
    Path init;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--cache", paramLabel = "DIR", description = "Feature cache folder (default: ~/.cache/tempora/features).")
    Path cache;

    @Option(names = {"-q", "--quiet"}, description = "Only the final summary.")
    boolean quiet;

    @Option(names = "--folds", paramLabel = "all|LIST", description = "ESC-50 cross-validation: train one run per fold "
            + "(e.g. 'all' or '1,2,3') into RUN/fold<k> and report the mean and std of the test metrics.")
    String folds;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() {
        device.apply();
        if (init != null) exp.overrides.add("train.init='" + init.toAbsolutePath().normalize().toString().replace("'", "''") + "'");
        Path recorded = resume && out != null && !exp.namesAnExperiment() ? out.resolve("config.yaml") : null;
        ExperimentConfig cfg = exp.build(recorded != null && Files.isRegularFile(recorded) ? recorded : null);
        PrintWriter o = out();
        Path runDir = out != null ? out : Path.of("runs", cfg.name());
        int n = threads.resolve();
        Path cacheRoot = cache != null ? cache : FeatureCache.defaultRoot();
        if (folds != null) return crossValidate(cfg, runDir, cacheRoot, n, o);
        Experiment.Summary s = Experiment.train(cfg, new Experiment.Options(runDir, cacheRoot, resume, overwrite, n), new CliRunListener(o, quiet));
        printSummary(o, s);
        return Main.EXIT_OK;
    }

    /** One run per ESC-50 fold, then mean ± std of every test metric (cv.json). */
    private int crossValidate(ExperimentConfig cfg, Path runDir, Path cacheRoot, int n, PrintWriter o) {
        List<Integer> list = new ArrayList<>();
        if (folds.equals("all")) {
            for (int f = 1; f <= 5; f++) list.add(f);
        } else {
            for (String part : folds.split(",")) {
                int f;
                try {
                    f = Integer.parseInt(part.strip());
                } catch (NumberFormatException e) {
                    throw new ConfigException("--folds must be 'all' or a list like 1,2,3, got '" + folds + "'");
                }
                if (f < 1 || f > 5) throw new ConfigException("--folds: there is no fold " + f + " (ESC-50 has folds 1 to 5)");
                list.add(f);
            }
        }
        Map<String, Object> cv = Experiment.crossValidate(cfg, list, new Experiment.Options(runDir, cacheRoot, resume, overwrite, n),
                new CliRunListener(o, quiet), (fold, s) -> printSummary(o, s));
        o.println("cross-validation over folds " + list + ":");
        cv.forEach((k, v) -> {
            if (v instanceof Map<?, ?> m) o.printf(Locale.ROOT, "  %-20s %.4f ± %.4f%n", k, m.get("mean"), m.get("std"));
        });
        o.flush();
        return Main.EXIT_OK;
    }

    static void printSummary(PrintWriter o, Experiment.Summary s) {
        o.println("test metrics:");
        for (Map.Entry<String, Double> e : s.test().asMap().entrySet()) {
            o.printf(Locale.ROOT, "  %-20s %s%n", e.getKey(), fmt(e.getValue()));
        }
        o.printf(Locale.ROOT, "  %-20s %s%n", "selected", s.numbers().get("selected"));
        o.printf(Locale.ROOT, "  %-20s %.3f%n", "GFLOPs per clip", (Double) s.numbers().get("gflops_per_clip"));
        o.printf(Locale.ROOT, "  %-20s %.1f ms%n", "latency (1 clip)", (Double) s.numbers().get("latency_ms_single_clip"));
        o.println("run folder: " + s.run().dir() + " (report: " + s.run().report() + ")");
        o.flush();
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.4f", v);
    }
}
