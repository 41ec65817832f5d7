package org.tempora.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.Split;
import org.tempora.eval.EvalResult;
import org.tempora.report.ReportData;
import org.tempora.report.RunReporter;
import org.tempora.train.EpochRecord;
import org.tempora.train.RunFiles;

/** Builds the run report's data from a finished run and hands it to the reporters on the class path ({@link RunReporter}). */
final class Reports {
    private Reports() {}

    static void write(RunFiles run, ExperimentConfig cfg, PreparedData data, List<EpochRecord> history, EvalResult test,
                      Map<String, Object> numbers, List<ReportData.Section> extra) {
        ReportData.Builder b = ReportData.builder(cfg.name())
                .createdAt(LocalDateTime.now().withNano(0).toString())
                .configText(ConfigLoader.toYaml(cfg))
                .dataDigest(data.digest + (Versions.recipeDigest(cfg.data().path()) != null ? " (recipe: " + Versions.recipeDigest(cfg.data().path()) + ")" : ""))
                .seed(cfg.seed());
        Versions.all().forEach(b::version);
        int lastPhase = -1;
        for (EpochRecord r : history) {
            b.epoch(r.asMap());
            if (lastPhase >= 0 && r.phase() != lastPhase) b.phaseBoundary(r.epoch() - 0.5);
            lastPhase = r.phase();
        }
        b.evaluation(test, data.dataset.classes());
        b.metric("test_loss", numbers.get("test_loss"));
        b.metric("selected weights", numbers.get("selected"));
        b.metric("best validation epoch", numbers.get("best_epoch"));
        b.flops(Map.of(
                "tokens per clip", numbers.get("tokens"),
                "GFLOPs per clip (forward)", numbers.get("gflops_per_clip"),
                "GFLOPs backbone", numbers.get("gflops_backbone"),
                "GFLOPs resolution stage", numbers.get("gflops_resolution"),
                "GFLOPs per training example (≈3× forward)", 3 * (Double) numbers.get("gflops_per_clip"),
                "parameters", numbers.get("parameters")));
        b.timing("training time (s)", numbers.get("train_seconds"));
        b.timing("inference examples/s (batched)", numbers.get("inference_examples_per_s"));
        b.timing("latency of one clip (ms)", numbers.get("latency_ms_single_clip"));
        b.note(String.format(Locale.ROOT, "%s: %d train / %d valid / %d test clips, %d classes; normalisation mean %.4f std %.4f%s.",
                data.dataset.name(), size(data, Split.TRAIN), size(data, Split.VALID),
                size(data, Split.TEST), data.dataset.numClasses(), data.normMean, data.normStd,
                data.normComputed ? " (computed on the training split)" : ""));
        for (String s : data.dataset.skipped()) b.note("skipped " + s);
        if (extra != null) extra.forEach(b::section);
        ReportData report = b.build();
        run.track(run.report());
        Set<Path> before = files(run.dir());
        for (RunReporter r : RunReporter.available()) r.write(run.dir(), report);
        // a reporter writes what it likes under the run folder: everything new is ours (for --overwrite)
        for (Path p : files(run.dir())) if (!before.contains(p)) run.track(p);
    }

    private static Set<Path> files(Path dir) {
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).collect(Collectors.toCollection(HashSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static int size(PreparedData d, Split s) {
        return d.sources.containsKey(s) ? d.sources.get(s).size() : 0;
    }
}
