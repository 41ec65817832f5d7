package org.tempora.run;

import org.tempora.nn.Devices;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.OutputException;
import org.tempora.Stop;
import org.tempora.audio.ChannelMode;
import org.tempora.config.Choices;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.Split;
import org.tempora.eval.EvalResult;
import org.tempora.explain.Explainer;
import org.tempora.io.FolderLock;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.report.ReportData;
import org.tempora.resolution.DiffRes;
import org.tempora.train.CheckpointState;
import org.tempora.train.EpochRecord;
import org.tempora.train.Evaluator;
import org.tempora.train.RunFiles;
import org.tempora.train.Trainer;
import org.tempora.train.ValidationMetric;
import org.tempora.train.WeightAverage;
import org.tempora.train.phases.PhaseAccounting;
import org.tempora.train.phases.PhaseControl;
import org.tempora.train.phases.PhaseInput;
import org.tempora.tokens.PatchGeometry;
import org.tempora.tokens.Resize;
import org.tempora.train.phases.PhaseSchedule;
import org.tempora.train.phases.PhaseTransition;
import org.tempora.train.phases.PlateauSwitch;

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

    /**
     * Cross-validation over dataset folds (ESC-50's five): one run per fold in {@code <runDir>/fold<k>}, then the mean
     * and sample std of every test metric, written to {@code <runDir>/cv.json}.
     *
     * @param folds   the folds to run (each becomes {@code data.fold})
     * @param onFold  called after each fold with its number and summary (the CLI prints it)
     * @return metric → {mean, std, per_fold}, in the order of the first fold's metrics (also "folds": the list)
     */
    public static Map<String, Object> crossValidate(ExperimentConfig cfg, List<Integer> folds, Options o, RunListener l,
                                                    BiConsumer<Integer, Summary> onFold) {
        if (folds.isEmpty()) throw new ConfigException("cross-validation needs at least one fold");
        checkInitGiven(cfg);   // before the parent folder is opened (and, with --overwrite, emptied)
        checkPhases(cfg);
        Map<String, List<Double>> values = new LinkedHashMap<>();
        RunFiles parent = new RunFiles(o.runDir());
        try (FolderLock lock = parent.open(o.resume(), o.overwrite())) {
            for (int fold : folds) {
                ExperimentConfig c = cfg.withData(cfg.data().withFold(fold));
                l.onStage("fold " + fold);
                RunFiles sub = parent.trackSubRun("fold" + fold);
                // --overwrite emptied the folds with the parent; a fold not started yet is resumed as a fresh run
                Summary s = train(c, new Options(sub.dir(), o.cacheRoot(), o.resume() && sub.holdsRun(), false, o.threads()), l);
                onFold.accept(fold, s);
                s.test().asMap().forEach((k, v) -> values.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
            }
            Map<String, Object> cv = new LinkedHashMap<>();
            cv.put("folds", List.copyOf(folds));
            values.forEach((k, v) -> {
                double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
                double var = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / Math.max(1, v.size() - 1);
                cv.put(k, Map.of("mean", mean, "std", Math.sqrt(var), "per_fold", List.copyOf(v)));
            });
            parent.writeJson(o.runDir().resolve("cv.json"), cv);
            return cv;
        }
    }

    /**
     * Config keys a resumed run may change: its name and the thread counts (with other thread counts the float sums
     * may differ in their last bits from an uninterrupted run). Any other difference is refused.
     */
    public static final Set<String> MAY_CHANGE_ON_RESUME = Set.of("name", "train.threads", "train.data_threads");

    /**
     * Trains one experiment into {@code o.runDir()}, holding the folder's lock throughout. Stops at the next safe point
     * when a {@link Stop} is requested (a resumable checkpoint is written first when training).
     */
    public static Summary train(ExperimentConfig cfg, Options o, RunListener l) {
        checkInitGiven(cfg);
        checkPhases(cfg);
        RunFiles run = new RunFiles(o.runDir());
        try (FolderLock lock = run.open(o.resume(), o.overwrite()); Stop.Region polling = Stop.cooperate()) {
            if (o.resume()) checkSameConfig(run, cfg);
            run.create();
            return trainLocked(cfg, o, l, run);
        }
    }

    /** The value of {@code train.init} in a preset that starts from pretrained weights: the run needs {@code --init}. */
    public static final String INIT_REQUIRED = "required";

    /** A preset with {@code train.init: required} (the pretrained-weights recipes) is refused until a checkpoint is given. */
    static void checkInitGiven(ExperimentConfig cfg) {
        if (INIT_REQUIRED.equals(cfg.train().init())) {
            throw new ConfigException(cfg.name() + " starts from pretrained weights: give --init CHECKPOINT (for the ast-audioset-* presets, AST's "
                    + "AudioSet checkpoint audioset_10_10_0.4593.pth; docs/interop.md, \"Presets that start from a checkpoint\")");
        }
    }

    /**
     * Checks every coarse-to-fine phase's input against the rest of the config (frames left, patch grid, a resolution
     * stage the phases can carry) before the run folder is opened, so a schedule that cannot run writes nothing.
     */
    static void checkPhases(ExperimentConfig cfg) {
        PhaseSchedule schedule = PhaseSchedule.of(cfg.train());
        if (schedule.isMultiPhase()) for (PhaseSchedule.Phase p : schedule.phases()) PhaseInput.of(cfg, p);
    }

    /** Refuses to resume a run with another config (the keys that may change aside), naming the differing keys. */
    static void checkSameConfig(RunFiles run, ExperimentConfig cfg) {
        List<String> diffs = configDifferences(run, cfg);
        if (!diffs.isEmpty()) {
            throw new ConfigException("--resume: the config differs from the one " + run.dir() + " was started with: "
                    + String.join("; ", diffs) + " (only " + String.join(", ", new java.util.TreeSet<>(MAY_CHANGE_ON_RESUME))
                    + " may change; resume without a preset to use the run's own config, or start a new run)");
        }
    }

    /**
     * How {@code cfg} differs from the config the run recorded ({@code key: recorded → new}), leaving out the keys that
     * may change on resume; empty when the run recorded none.
     */
    static List<String> configDifferences(RunFiles run, ExperimentConfig cfg) {
        if (!Files.isRegularFile(run.config())) return List.of();
        ExperimentConfig recorded;
        try {
            recorded = ConfigLoader.fromYaml(Files.readString(run.config()), run.config().toString());
        } catch (IOException e) {
            throw new InvalidInputException(run.config(), "cannot read: " + e.getMessage(), e);
        }
        return ConfigLoader.differences(recorded, cfg).stream()
                .filter(d -> !MAY_CHANGE_ON_RESUME.contains(d.substring(0, d.indexOf(':')))).toList();
    }

    private static Summary trainLocked(ExperimentConfig cfg, Options o, RunListener l, RunFiles run) {
        Engines.configureThreads(cfg.train().threads() > 0 ? cfg.train().threads() : o.threads());
        run.writeText(run.config(), ConfigLoader.toYaml(cfg));
        int dataThreads = cfg.train().dataThreads() > 0 ? cfg.train().dataThreads() : Math.max(1, o.threads());
        if (cfg.train().init() != null) {
            Path init = Path.of(cfg.train().init());
            if (!Files.exists(init)) throw new InvalidInputException(init, "no such file (train.init)");
        }
        PreparedData data = PreparedData.prepare(cfg, o.cacheRoot(), dataThreads, l);
        Stop.check("after reading the data; continue with --resume");
        var train = data.sources.get(Split.TRAIN);
        var valid = data.sources.get(Split.VALID);
        var test = data.sources.getOrDefault(Split.TEST, valid);
        boolean multi = data.dataset.multiLabel();
        writeRunJson(run, cfg, data, "training", Map.of());
        PhaseSchedule schedule = PhaseSchedule.of(cfg.train());
        try (NDManager manager = Devices.newManager()) {
            Trained t = schedule.isMultiPhase()
                    ? trainPhases(cfg, schedule, data, o, run, l, manager)
                    : trainSingle(cfg, data, o, run, l, manager);
            TemporaModel model = t.model();
            Trainer.Result result = t.result();
            Stop.check("after training; the training is checkpointed: continue with --resume");
            String selected = selectFinal(cfg, model, run, result);
            try {
                model.save(run.track(run.model()));
            } catch (IOException e) {
                throw new OutputException(run.model(), e);
            }
            l.onStage("evaluating the " + (data.sources.containsKey(Split.TEST) ? "test" : "validation") + " split (" + test.size() + " clips)");
            Evaluator.Scores scores = Evaluator.run(model, test, cfg.eval().batchSize(), multi);
            EvalResult er = Evaluation.result(scores.logits(), test, multi);
            Map<String, Object> numbers = new LinkedHashMap<>();
            numbers.put("selected", selected);
            numbers.put("best_epoch", result.bestEpoch());
            numbers.put("best_valid_" + result.metricName(), result.bestMetric());
            // the validation score of the weights that are tested: the best epoch's again, the last epoch's, or (weight
            // averaging) one that no epoch logged
            Evaluator.Scores finalValid = Evaluator.run(model, valid, cfg.eval().batchSize(), multi);
            numbers.put("final_valid_" + result.metricName(), ValidationMetric.of(finalValid.logits(), valid, multi));
            numbers.put("train_seconds", result.trainSeconds());
            numbers.put("epochs_run", result.history().size());
            numbers.put("stop", stopSummary(cfg, schedule, result.history()));
            numbers.put("test", er.asMap());
            numbers.put("test_loss", scores.loss());
            numbers.put("parameters", model.parameterCount());
            numbers.putAll(Evaluation.costs(cfg, model, test, cfg.eval().batchSize()));
            numbers.put("train_flops", PhaseAccounting.total(PhaseAccounting.fromRecords(result.history())).flops());
            if (schedule.isMultiPhase()) numbers.put("phases", phaseTable(schedule, result.history(), t.descriptions()));
            if (cfg.train().init() != null) numbers.put("init", Map.of("checkpoint", cfg.train().init(), "notes", t.init()));
            Stop.check("after evaluation; the training is checkpointed: continue with --resume");
            ModelBundle.write(run, cfg, data, model);
            writeRunJson(run, cfg, data, "finished", numbers);
            List<ReportData.Section> sections = new ArrayList<>(epochExplanationSections(run));
            sections.addAll(explainSections(model, data));
            Reports.write(run, cfg, data, result.history(), er, numbers, sections);
            return new Summary(run, er, numbers);
        }
    }

    /**
     * For a DiffRes model: the explanation of a few validation clips (one per class for the first classes), so the
     * report shows where the model spent its resolution (the reporter draws the pictures).
     */
    static List<ReportData.Section> explainSections(TemporaModel model, PreparedData data) {
        if (!(model.resolution() instanceof DiffRes)) return List.of();
        var valid = data.sources.get(Split.VALID);
        List<ReportData.Section> out = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < valid.size() && out.size() < 3; i++) {
            int label = valid.labels(i)[0];
            if (!seen.add(label)) continue;
            var clip = valid.clip(i);
            float[] x = valid.batch(new int[] {i}, false, null).x();
            int validFrames = data.frontEnd.fbank().numFrames(clip.audio().samples(ChannelMode.FIRST).count());
            double shift = data.frontEnd.fbank().windowShift() / (double) data.frontEnd.sampleRate();
            var e = Explainer.explain(model, x, valid.frames(), valid.bins(), validFrames, shift);
            out.add(ReportData.Section.explanation("DiffRes on " + clip.id() + " (" + data.dataset.classes().get(label) + ")",
                    e, e.summary().text()));
        }
        return out;
    }

    /** One explained clip of {@code RUN/explain/epoch-NNN.json}. */
    public record ClipExplanation(String clip, String label, Explainer.Explanation explanation) {}

    /** Where the explanations after a (1-based, global) epoch are kept. */
    public static Path explainFile(RunFiles run, int epoch) {
        return run.dir().resolve("explain").resolve(String.format("epoch-%03d.json", epoch));
    }

    /**
     * With {@code eval.explain_clips > 0} and a DiffRes model: after the first and the last epoch, explains the same
     * clips (the first test clip of each of the first classes; validation clips when there is no test split) in
     * evaluation mode and saves the per-frame data as {@code RUN/explain/epoch-NNN.json}; the report draws them. Null
     * otherwise. Explaining runs without gradients on a sub-manager: it does not change the training.
     */
    static Trainer.EpochEnd explainHook(ExperimentConfig cfg, TemporaModel model, PreparedData data, RunFiles run) {
        int n = cfg.eval().explainClips();
        if (n <= 0 || !(model.resolution() instanceof DiffRes)) return null;
        return (rec, last) -> {
            if (rec.epoch() != 1 && !last) return;
            var split = data.sources.containsKey(Split.TEST) ? data.sources.get(Split.TEST) : data.sources.get(Split.VALID);
            List<ClipExplanation> out = new ArrayList<>();
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < split.size() && out.size() < n; i++) {
                int label = split.labels(i)[0];
                if (!seen.add(label)) continue;
                out.add(new ClipExplanation(split.clip(i).id(), data.dataset.classes().get(label), explainClip(model, data, split, i)));
            }
            Path f = explainFile(run, rec.epoch());
            try {
                Files.createDirectories(run.trackFolder(f.getParent()));
            } catch (IOException e) {
                throw new OutputException(f.getParent(), e);
            }
            run.writeJson(f, out);
        };
    }

    /** Report sections of the explanations saved after epochs (in epoch order), for the reporter to draw. */
    static List<ReportData.Section> epochExplanationSections(RunFiles run) {
        Path dir = run.dir().resolve("explain");
        if (!Files.isDirectory(dir)) return List.of();
        List<ReportData.Section> out = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("epoch-\\d+\\.json")).sorted().toList()) {
                int epoch = Integer.parseInt(f.getFileName().toString().replaceAll("\\D", ""));
                List<ClipExplanation> list = RunFiles.JSON.readValue(f.toFile(),
                        new com.fasterxml.jackson.core.type.TypeReference<List<ClipExplanation>>() {});
                for (ClipExplanation c : list) {
                    out.add(ReportData.Section.explanation("DiffRes after epoch " + epoch + " on " + c.clip() + " (" + c.label() + ")",
                            c.explanation(), c.explanation().summary().text()));
                }
            }
        } catch (IOException e) {
            throw new InvalidInputException(dir, "cannot read the saved explanations: " + e.getMessage(), e);
        }
        return out;
    }

    private static Explainer.Explanation explainClip(TemporaModel model, PreparedData data, org.tempora.data.FeatureBatchSource split, int i) {
        var clip = split.clip(i);
        float[] x = split.batch(new int[] {i}, false, null).x();
        int validFrames = data.frontEnd.fbank().numFrames(clip.audio().samples(ChannelMode.FIRST).count());
        double shift = data.frontEnd.fbank().windowShift() / (double) data.frontEnd.sampleRate();
        return Explainer.explain(model, x, split.frames(), split.bins(), validFrames, shift);
    }

    /** A trained final model with its history (and, for multi-phase runs, each phase's description; what train.init did). */
    private record Trained(TemporaModel model, Trainer.Result result, List<String> descriptions, List<String> init) {}

    private static Trained trainSingle(ExperimentConfig cfg, PreparedData data, Options o, RunFiles run, RunListener l, NDManager manager) {
        var train = data.sources.get(Split.TRAIN);
        var valid = data.sources.get(Split.VALID);
        TemporaModel model = ModelFactory.build(cfg, new ModelFactory.Input(train.frames(), train.bins(),
                data.dataset.numClasses(), data.normMean, data.normStd), manager);
        l.onStage(String.format(Locale.ROOT, "training %s (%.2f M parameters, %d tokens) on %d clips, validating on %d",
                cfg.backbone().kind(), model.parameterCount() / 1e6, model.tokens(), train.size(), valid.size()));
        List<String> init = List.of();
        if (cfg.train().init() != null) {
            // a resumed run takes its weights from its own checkpoint; one stopped before its first starts from init again
            boolean restored = o.resume() && Files.isRegularFile(run.lastState());
            init = restored ? List.of("resumed from the run's checkpoint")
                    : ModelInit.apply(model, Path.of(cfg.train().init()), new ModelInit.Target(
                            ModelFactory.geometry(cfg.tokens(), 1, train.bins(), train.frames()), Resize.KernelMethod.PI));
            if (!restored) l.onStage("initialised from " + String.join("; ", init));
        }
        // the stop rule sees the epochs a resumed run already did, so it stops where an uninterrupted run would
        List<EpochRecord> done = o.resume() ? CheckpointState.read(run).history() : List.of();
        Predicate<EpochRecord> stop = PhaseControl.of(cfg.train()).finalStop(cfg.train().epochs(), 1, done);
        Trainer trainer = new Trainer(cfg, model, train, valid, data.dataset.multiLabel(), run, l,
                new Trainer.Phase(1, true, 0, List.of(), 0, stop));
        if (cfg.eval().testEachEpoch() && data.sources.containsKey(Split.TEST)) trainer.testEachEpoch(data.sources.get(Split.TEST));
        trainer.afterEachEpoch(explainHook(cfg, model, data, run));
        Trainer.Result r = trainer.fit(o.resume());
        return new Trained(model, r, List.of(), init);
    }

    /**
     * Coarse-to-fine training: each phase gets its own input (fshift features, pooling, or wider patches), a fresh
     * model whose weights are carried over from the previous phase ({@link PhaseTransition}: every tensor copied,
     * positional embeddings and, for patch phases, the patch kernel resized), a fresh optimiser and learning-rate
     * schedule (as the paper resets them), and ends after its planned epochs or on a validation plateau. The final
     * phase is full resolution; only its epochs can be selected as "best". Normalisation statistics come from the
     * full-resolution training data and are the same in every phase.
     */
    private static Trained trainPhases(ExperimentConfig cfg, PhaseSchedule schedule, PreparedData full, Options o, RunFiles run,
                                       RunListener l, NDManager manager) {
        ExperimentConfig pinned = cfg.withFeatures(cfg.features().withNorm(full.normMean, full.normStd));
        PhaseControl control = PhaseControl.of(cfg.train());
        int dataThreads = cfg.train().dataThreads() > 0 ? cfg.train().dataThreads() : Math.max(1, o.threads());
        CheckpointState ck = o.resume() ? CheckpointState.read(run) : null;
        List<EpochRecord> history = new ArrayList<>();
        List<String> descriptions = new ArrayList<>();
        List<String> init = List.of();
        double seconds = 0;
        int offset = 0;
        TemporaModel prev = null;
        NDManager prevManager = null;
        Trainer prevTrainer = null;
        boolean across = cfg.train().schedule().acrossPhases();
        Trainer.Result result = null;
        for (int i = 0; i < schedule.size(); i++) {
            PhaseSchedule.Phase ph = schedule.phase(i);
            boolean last = i == schedule.size() - 1;
            PhaseInput in = PhaseInput.of(pinned, ph);
            descriptions.add(in.describe(pinned));
            if (ck != null && i + 1 < ck.phase()) continue; // finished before the checkpoint's phase
            boolean resumeHere = ck != null && i + 1 == ck.phase();
            if (resumeHere) {
                offset = ck.epochsDone() - ck.phaseEpochsDone();
                history = new ArrayList<>(ck.history().subList(0, Math.max(0, ck.history().size() - ck.phaseEpochsDone())));
                seconds = ck.trainSeconds();
            }
            ExperimentConfig inPhase = in.config(pinned);
            ExperimentConfig pcfg = last ? inPhase.withTrain(inPhase.train().withEpochs(schedule.finalPhaseEpochs(offset))) : inPhase;
            PreparedData data = in.ownFeatures() ? PreparedData.prepare(pcfg, full.dataset, o.cacheRoot(), dataThreads, l) : full;
            var train = data.sources.get(Split.TRAIN);
            var valid = data.sources.get(Split.VALID);
            NDManager pm = manager.newSubManager();
            TemporaModel model = in.buildModel(pinned, new ModelFactory.Input(in.dataFrames(), train.bins(),
                    full.dataset.numClasses(), full.normMean, full.normStd), pm);
            if (prev == null && cfg.train().init() != null && !(o.resume() && Files.isRegularFile(run.lastState()))) {
                // the checkpoint is fitted to the final (full-resolution) phase's grid, then to this phase's, as a phase
                // transition would carry it (positions bilinear, a patch kernel of another shape by this phase's resize)
                PatchGeometry finalGrid = PhaseInput.of(pinned, schedule.phase(schedule.size() - 1)).inputGeometry(pinned);
                init = ModelInit.apply(model, Path.of(cfg.train().init()), new ModelInit.Target(finalGrid, ph.kernelResize() == null ? Resize.KernelMethod.PI : ph.kernelResize()));
                l.onStage("initialised from " + String.join("; ", init));
            } else if (prev == null && cfg.train().init() != null) {
                init = List.of("resumed from the run's checkpoint");
            }
            if (prev != null) {
                PhaseTransition.Report rep = PhaseTransition.adapt(prev, model, PhaseTransition.Options.leaving(schedule.phase(i - 1)));
                l.onNote("weights carried over: " + rep.copied().size() + " tensors copied, resized " + rep.resized().keySet()
                        + " (tokens " + rep.tokensBefore() + " → " + rep.tokensAfter() + ")");
            }
            l.onStage(String.format(Locale.ROOT, "phase %d/%d: %s; %d epochs", i + 1, schedule.size(), in.describe(pinned), pcfg.train().epochs()));
            Predicate<EpochRecord> stop;
            if (last) {
                stop = control.finalStop(pcfg.train().epochs(), i + 1, resumeHere ? ck.history() : List.of());
            } else {
                PlateauSwitch ps = control.switchFor(ph);
                if (ps != null && resumeHere) {
                    for (EpochRecord r : ck.history()) if (r.phase() == i + 1) ps.observe(r.validMetric());
                }
                stop = ps == null ? null : rec -> ps.observe(rec.validMetric()) != PlateauSwitch.Decision.CONTINUE;
            }
            Trainer.Phase phase = new Trainer.Phase(i + 1, last, offset, history, seconds, stop);
            Trainer trainer = new Trainer(pcfg, model, train, valid, full.dataset.multiLabel(), run, l, phase);
            if (across) {
                trainer.scheduleAcrossPhases(schedule.plannedEnd(i, offset));
                if (prevTrainer != null) {
                    List<String> fresh = trainer.continueOptimiser(prevTrainer);
                    l.onNote("optimiser continued (step " + prevTrainer.optimiserSteps() + "); moments restart for " + fresh);
                }
            }
            if (prevManager != null) prevManager.close();   // after the optimiser's moments were copied out of it
            if (cfg.eval().testEachEpoch() && data.sources.containsKey(Split.TEST)) trainer.testEachEpoch(data.sources.get(Split.TEST));
            trainer.afterEachEpoch(explainHook(cfg, model, data, run));
            result = trainer.fit(resumeHere);
            history = new ArrayList<>(result.history());
            seconds = result.trainSeconds();
            offset = history.size();
            prev = model;
            prevManager = pm;
            prevTrainer = trainer;
        }
        return new Trained(prev, result, descriptions, init);
    }

    /**
     * How the training ended, for run.json: the stop rule with its settings, the final phase's budget and whether the
     * convergence rule was met (a plateau run that ran its whole budget did not converge by the rule).
     */
    static Map<String, Object> stopSummary(ExperimentConfig cfg, PhaseSchedule schedule, List<EpochRecord> history) {
        ExperimentConfig.Train t = cfg.train();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", t.stopRule().key());
        if (t.stopRule() == Choices.StopRule.PLATEAU) {
            m.put("patience", t.stopPatience());
            m.put("min_delta", t.stopMinDelta());
            m.put("min_epochs", t.stopMinEpochs());
        }
        int lastPhase = history.isEmpty() ? 1 : history.get(history.size() - 1).phase();
        int offset = (int) history.stream().filter(r -> r.phase() < lastPhase).count();
        int budget = schedule.isMultiPhase() ? schedule.finalPhaseEpochs(offset) : t.epochs();
        m.put("final_phase_budget", budget);
        m.put("final_phase_epochs", history.size() - offset);
        m.put("converged", PhaseControl.of(t).converged(history, budget));
        return m;
    }

    /** Per-phase epochs, training FLOPs and time (the accounting of the paper's Tables 2–5). */
    static List<Map<String, Object>> phaseTable(PhaseSchedule schedule, List<EpochRecord> history, List<String> descriptions) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (PhaseAccounting.PhaseTotal pt : PhaseAccounting.perPhase(PhaseAccounting.fromRecords(history))) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("phase", pt.phase());
            r.put("description", pt.phase() - 1 < descriptions.size() ? descriptions.get(pt.phase() - 1) : "");
            r.put("epochs", pt.epochs());
            r.put("train_pflops", pt.flops() / 1e15);
            r.put("train_seconds", pt.seconds());
            rows.add(r);
        }
        return rows;
    }

    /** Result of evaluating a trained model on a split. */
    public record EvalSummary(EvalResult result, double loss, int examples, String split, String data, Map<String, Object> costs) {}

    /**
     * Evaluates a trained model on a split of a dataset (default: the data it was trained on), with the model's
     * own front-end and normalisation. Only that split is read: the dataset needs no training clips.
     */
    public static EvalSummary evaluate(ModelBundle m, String dataPath, Split split, Path cacheRoot, int threads, boolean skipBad, RunListener l) {
        ExperimentConfig.Data d = m.config.data();
        if (dataPath != null) d = d.withPath(dataPath);
        if (skipBad) d = d.withSkipBad(true);
        ExperimentConfig cfg = m.config.withData(d)
                .withFeatures(m.config.features().withNorm((double) m.model.normMean(), (double) m.model.normStd()));
        PreparedData data = PreparedData.prepareSplit(cfg, split, cacheRoot, threads, l);
        if (!data.dataset.classes().equals(m.classes)) {
            throw new ConfigException("the dataset's classes " + data.dataset.classes() + " differ from the model's " + m.classes);
        }
        var src = data.sources.get(split);
        l.onStage("evaluating " + src.size() + " clips of the " + split.key() + " split");
        Evaluator.Scores scores = Evaluator.run(m.model, src, cfg.eval().batchSize(), m.multiLabel);
        EvalResult er = Evaluation.result(scores.logits(), src, m.multiLabel);
        return new EvalSummary(er, scores.loss(), src.size(), split.key(), cfg.data().path(),
                Evaluation.costs(cfg, m.model, src, cfg.eval().batchSize()));
    }

    /** Loads the final weights into the model: best (default), last, or the weight average. */
    static String selectFinal(ExperimentConfig cfg, TemporaModel model, RunFiles run, Trainer.Result r) {
        List<Integer> wa = cfg.train().weightAverage();
        if (wa != null && !wa.isEmpty()) {
            if (wa.size() != 2 || wa.get(0) < 1 || wa.get(1) < wa.get(0)) throw new ConfigException("train.weight_average must be [start, end] epochs");
            int end = Math.min(wa.get(1), cfg.train().epochs());
            return WeightAverage.apply(model, run, wa.get(0), end).describe();
        }
        if (cfg.eval().select() == Choices.Select.LAST) return "last epoch (" + r.history().size() + ")";
        model.load(run.bestModel());
        return "best validation epoch (" + r.bestEpoch() + ")";
    }

    static void writeRunJson(RunFiles run, ExperimentConfig cfg, PreparedData data, String status, Map<String, Object> numbers) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("name", cfg.name());
        j.put("status", status);
        j.put("seed", cfg.seed());
        j.put("versions", Versions.all());
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", data.dataset.name());
        d.put("layout", data.dataset.layout());
        d.put("path", cfg.data().path());
        d.put("digest", data.digest);
        d.put("recipe_digest", Versions.recipeDigest(cfg.data().path()));
        d.put("classes", data.dataset.classes());
        for (Split s : Split.values()) d.put(s.key() + "_clips", data.sources.containsKey(s) ? data.sources.get(s).size() : 0);
        d.put("skipped", data.skipped());
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
