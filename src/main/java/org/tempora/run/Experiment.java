package org.tempora.run;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.Split;
import org.tempora.eval.EvalResult;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.train.Evaluator;
import org.tempora.train.RunFiles;
import org.tempora.train.Trainer;

/**
 * One experiment from config to report: read the data, compute (or reuse) features, build the model, train
 * with checkpoints, pick the final weights (best validation epoch, last epoch, or the weight average), evaluate
 * the test split, measure FLOPs and speed, and write {@code model.npz}, {@code model.json}, {@code run.json}
 * and {@code report.html} into the run folder.
 */
public final class Experiment {
    private Experiment() {}

    /** How to run. */
    public record Options(Path runDir, Path cacheRoot, boolean resume, boolean overwrite, int threads) {}

    /** The outcome: the final test metrics and where everything is. */
    public record Summary(RunFiles run, EvalResult test, Map<String, Object> numbers) {}

    public static Summary train(ExperimentConfig cfg, Options o, RunListener l) {
        RunFiles run = new RunFiles(o.runDir());
        prepareRunDir(run, o);
        Engines.configureThreads(cfg.train.threads > 0 ? cfg.train.threads : o.threads());
        run.writeText(run.config(), ConfigLoader.toYaml(cfg));
        int dataThreads = cfg.train.dataThreads > 0 ? cfg.train.dataThreads : Math.max(1, o.threads());
        PreparedData data = PreparedData.prepare(cfg, o.cacheRoot(), dataThreads, l);
        var train = data.sources.get(Split.TRAIN);
        var valid = data.sources.get(Split.VALID);
        var test = data.sources.getOrDefault(Split.TEST, valid);
        boolean multi = data.dataset.multiLabel();
        writeRunJson(run, cfg, data, "training", Map.of());
        try (NDManager manager = Engine.getInstance().newBaseManager();
             TemporaModel model = ModelFactory.build(cfg, new ModelFactory.Input(train.frames(), train.bins(),
                     data.dataset.numClasses(), data.normMean, data.normStd), manager)) {
            l.onStage(String.format(java.util.Locale.ROOT, "training %s (%.2f M parameters) on %d clips, validating on %d",
                    cfg.backbone.kind, model.parameterCount() / 1e6, train.size(), valid.size()));
            Trainer trainer = new Trainer(cfg, model, train, valid, multi, run, l);
            Trainer.Result result = trainer.fit(o.resume());
            String selected = selectFinal(cfg, model, run, result);
            try {
                model.save(run.model());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + run.model() + ": " + e.getMessage(), e);
            }
            l.onStage("evaluating the " + (data.sources.containsKey(Split.TEST) ? "test" : "validation") + " split (" + test.size() + " clips)");
            Evaluator.Scores scores = Evaluator.run(model, test, cfg.eval.batchSize, multi);
            EvalResult er = Evaluation.result(scores.logits(), test, multi);
            Map<String, Object> numbers = new LinkedHashMap<>();
            numbers.put("selected", selected);
            numbers.put("best_epoch", result.bestEpoch());
            numbers.put("best_valid_" + result.metricName(), result.bestMetric());
            numbers.put("train_seconds", result.trainSeconds());
            numbers.put("test", er.asMap());
            numbers.put("test_loss", scores.loss());
            numbers.put("parameters", model.parameterCount());
            numbers.putAll(Evaluation.costs(cfg, model, test, cfg.eval.batchSize));
            ModelBundle.write(run, cfg, data, model);
            writeRunJson(run, cfg, data, "finished", numbers);
            Reports.write(run, cfg, data, result.history(), er, numbers, List.of());
            return new Summary(run, er, numbers);
        }
    }

    /** Result of evaluating a trained model on a split. */
    public record EvalSummary(EvalResult result, double loss, int examples, String split, String data, Map<String, Object> costs) {}

    /**
     * Evaluates a trained model on a split of a dataset (default: the data it was trained on), with the model's
     * own front-end and normalisation.
     */
    public static EvalSummary evaluate(ModelBundle m, String dataPath, Split split, Path cacheRoot, int threads, boolean skipBad, RunListener l) {
        ExperimentConfig cfg = ConfigLoader.copy(m.config);
        if (dataPath != null) cfg.data.path = dataPath;
        if (skipBad) cfg.data.skipBad = true;
        cfg.features.normMean = (double) m.model.normMean();
        cfg.features.normStd = (double) m.model.normStd();
        PreparedData data = PreparedData.prepare(cfg, cacheRoot, threads, l);
        if (!data.dataset.classes().equals(m.classes)) {
            throw new ConfigException("the dataset's classes " + data.dataset.classes() + " differ from the model's " + m.classes);
        }
        var src = data.sources.get(split);
        if (src == null) throw new ConfigException("the dataset has no " + split.key() + " split");
        l.onStage("evaluating " + src.size() + " clips of the " + split.key() + " split");
        Evaluator.Scores scores = Evaluator.run(m.model, src, cfg.eval.batchSize, m.multiLabel);
        EvalResult er = Evaluation.result(scores.logits(), src, m.multiLabel);
        return new EvalSummary(er, scores.loss(), src.size(), split.key(), cfg.data.path,
                Evaluation.costs(cfg, m.model, src, cfg.eval.batchSize));
    }

    /** Loads the final weights into the model: best (default), last, or the weight average. */
    static String selectFinal(ExperimentConfig cfg, TemporaModel model, RunFiles run, Trainer.Result r) {
        List<Integer> wa = cfg.train.weightAverage;
        if (wa != null && !wa.isEmpty()) {
            if (wa.size() != 2 || wa.get(0) < 1 || wa.get(1) < wa.get(0)) throw new ConfigException("train.weight_average must be [start, end] epochs");
            int end = Math.min(wa.get(1), cfg.train.epochs);
            Trainer.averageWeights(model, run, wa.get(0), end);
            return "weight average of epochs " + wa.get(0) + "-" + end;
        }
        if (cfg.eval.select.equals("last")) return "last epoch (" + cfg.train.epochs + ")";
        if (!cfg.eval.select.equals("best")) throw new ConfigException("eval.select must be best or last, got '" + cfg.eval.select + "'");
        model.load(run.bestModel());
        return "best validation epoch (" + r.bestEpoch() + ")";
    }

    private static void prepareRunDir(RunFiles run, Options o) {
        Path dir = run.dir();
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) throw new ConfigException("--out " + dir + " is a file");
            boolean hasRun = Files.exists(run.runJson()) || Files.exists(run.lastState());
            if (hasRun && !o.resume() && !o.overwrite()) {
                throw new ConfigException("run folder " + dir + " already holds a run (use --resume to continue it, --overwrite to replace it, or another --out)");
            }
            if (o.resume() && !Files.exists(run.lastState())) {
                throw new ConfigException("--resume: " + dir + " has no checkpoint to resume from (" + run.lastState() + ")");
            }
            if (hasRun && o.overwrite()) {
                try (var s = Files.walk(dir)) {
                    for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) if (!p.equals(dir)) Files.delete(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare run folder " + dir + ": " + e.getMessage(), e);
        }
        run.create();
    }

    static void writeRunJson(RunFiles run, ExperimentConfig cfg, PreparedData data, String status, Map<String, Object> numbers) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("name", cfg.name);
        j.put("status", status);
        j.put("seed", cfg.seed);
        j.put("versions", Versions.all());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", data.dataset.name());
        d.put("layout", data.dataset.layout());
        d.put("path", cfg.data.path);
        d.put("digest", data.digest);
        d.put("recipe_digest", Versions.recipeDigest(cfg.data.path));
        d.put("classes", data.dataset.classes());
        for (Split s : Split.values()) d.put(s.key() + "_clips", data.sources.containsKey(s) ? data.sources.get(s).size() : 0);
        d.put("skipped", data.dataset.skipped());
        j.put("data", d);
        Map<String, Object> norm = new LinkedHashMap<>();
        norm.put("mean", data.normMean);
        norm.put("std", data.normStd);
        norm.put("computed_on_train", data.normComputed);
        j.put("normalisation", norm);
        j.putAll(numbers);
        run.writeJson(run.runJson(), j);
    }
}
