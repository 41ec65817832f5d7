package org.tempora.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.tempora.ConfigException;
import org.tempora.Messages;
import org.tempora.OutputException;
import org.tempora.Stop;
import org.tempora.TemporaException;
import org.tempora.config.Choices;
import org.tempora.config.ExperimentConfig;
import org.tempora.data.Batch;
import org.tempora.data.BatchSource;
import org.tempora.io.Npy;
import org.tempora.io.Npz;
import org.tempora.model.TemporaModel;
import org.tempora.nn.Parameter;
import org.tempora.train.phases.PhaseAccounting;

/**
 * The training loop, top to bottom: for each epoch, shuffle (or balanced-sample) the training split with a
 * generator seeded by (seed, epoch), build batches ahead on a worker thread, and for each batch open a child
 * NDManager, run forward + loss (+ the resolution stage's auxiliary loss) under a gradient collector, step the
 * optimiser; then validate, log the epoch, and checkpoint atomically. Because every random choice is a function
 * of (seed, epoch, batch), a run resumed from its last checkpoint continues exactly as an uninterrupted one.
 */
public final class Trainer {
    /** Progress callbacks (the CLI draws a progress bar from these). */
    public interface Listener {
        default void onStart(int epochs, int stepsPerEpoch, int firstEpoch) {}

        default void onStep(int epoch, int step, double loss, double lr, double examplesPerSecond) {}

        default void onEpoch(EpochRecord record) {}
    }

    /** What a finished fit returns. */
    public record Result(List<EpochRecord> history, int bestEpoch, double bestMetric, String metricName, double trainSeconds) {}

    /**
     * Where this fit sits in a multi-phase (coarse-to-fine) run. A single-phase run is {@link #single()}.
     *
     * @param phase         1-based phase number written into every epoch record
     * @param finalPhase    whether this is the last (full-resolution) phase: only its epochs can become "best"
     * @param epochOffset   epochs run by earlier phases (global epoch numbers continue from there)
     * @param prior         epoch records of earlier phases (kept in metrics files and checkpoints)
     * @param priorSeconds  training time of earlier phases
     * @param stop          asked after each epoch of this phase whether to end the phase early (may be null)
     */
    public record Phase(int phase, boolean finalPhase, int epochOffset, List<EpochRecord> prior, double priorSeconds,
                        Predicate<EpochRecord> stop) {
        public static Phase single() {
            return new Phase(1, true, 0, List.of(), 0, null);
        }
    }

    private final ExperimentConfig cfg;
    private final TemporaModel model;
    private final BatchSource train;
    private final BatchSource valid;
    private final boolean multiLabel;
    private final RunFiles run;
    private final Listener listener;
    private final Map<String, Parameter> params;
    private final AdamW optimizer;
    private final Phase phase;
    private BatchSource testEachEpoch;
    private EpochEnd epochEnd;
    private int consecutiveSkips;
    private int runEpochs;   // > 0: the lr schedule spans the run's phases (scheduleAcrossPhases)

    public Trainer(ExperimentConfig cfg, TemporaModel model, BatchSource train, BatchSource valid, boolean multiLabel,
                   RunFiles run, Listener listener) {
        this(cfg, model, train, valid, multiLabel, run, listener, Phase.single());
    }

    /** A trainer for one phase of a multi-phase run ({@code cfg} is the phase's own config). */
    public Trainer(ExperimentConfig cfg, TemporaModel model, BatchSource train, BatchSource valid, boolean multiLabel,
                   RunFiles run, Listener listener, Phase phase) {
        this.cfg = cfg;
        this.phase = phase;
        this.model = model;
        this.train = train;
        this.valid = valid;
        this.multiLabel = multiLabel;
        this.run = run;
        this.listener = listener == null ? new Listener() {} : listener;
        this.params = model.parameters();
        if (cfg.train().optimizer() == null) throw new ConfigException("train.optimizer is not set (adam, adamw)");
        if (cfg.train().betas().size() != 2) throw new ConfigException("train.betas needs two values");
        this.optimizer = new AdamW(model.manager(), cfg.train().optimizer() == Choices.Optimizer.ADAMW, cfg.train().betas().get(0), cfg.train().betas().get(1),
                cfg.train().eps(), cfg.train().weightDecay());
        if (train.size() == 0) throw new TemporaException("the training split is empty");
    }

    /** Called after each validated epoch, before its checkpoint (the run's explanations at the first and last epoch). */
    public interface EpochEnd {
        /**
         * @param record the epoch's record
         * @param last   whether it is the run's last epoch (the final phase's budget, or its stop rule ended it)
         */
        void after(EpochRecord record, boolean last);
    }

    /** Calls {@code hook} after every epoch (it must not change the model: training continues from it). */
    public Trainer afterEachEpoch(EpochEnd hook) {
        this.epochEnd = hook;
        return this;
    }

    /**
     * One learning-rate schedule across the phases of a coarse-to-fine run ({@code train.schedule.across_phases}):
     * this phase's epoch e is the run's epoch {@code epochOffset + e} of a schedule {@code runEpochs} long, and its
     * steps continue the optimiser's count (carried by {@link #continueOptimiser}). Without it each phase's schedule
     * starts afresh, warm-up included (the paper's reset).
     *
     * @param runEpochs the run's planned length in epochs, all phases together
     */
    public Trainer scheduleAcrossPhases(int runEpochs) {
        this.runEpochs = runEpochs;
        return this;
    }

    /**
     * Continues the previous phase's optimiser ({@code train.schedule.across_phases}): its step count, and the
     * moments of every parameter whose name and shape this phase's model still has. Moments of resized tensors (the
     * positional embedding when the token grid changes) start from zero. Call before {@link #fit}; a resumed phase
     * loads its own optimiser state from the checkpoint instead.
     *
     * @return the names of parameters whose moments restart from zero
     */
    public List<String> continueOptimiser(Trainer previous) {
        return optimizer.carryFrom(previous.optimizer, params);
    }

    /** The optimiser's step count so far (across phases it includes the earlier phases' steps). */
    public long optimiserSteps() {
        return optimizer.stepCount();
    }

    /** Also scores this split after every epoch, as {@code test_<metric>} in the epoch's extra values. */
    public Trainer testEachEpoch(BatchSource test) {
        this.testEachEpoch = test;
        return this;
    }

    public String lossName() {
        Choices.Loss l = cfg.train().loss() == null ? Choices.Loss.AUTO : cfg.train().loss();
        if (l == Choices.Loss.AUTO) return multiLabel ? "bce" : "ce";
        return l.key();
    }

    /**
     * Trains from scratch, or continues from the run's last checkpoint when {@code resume} (the checkpoint must
     * belong to this phase; see {@link #checkpointPhase}).
     */
    public Result fit(boolean resume) {
        int epochs = cfg.train().epochs();
        int batchSize = cfg.train().batchSize();
        if (epochs < 1 || batchSize < 1) throw new ConfigException("train.epochs and train.batch_size must be >= 1");
        int steps = (train.size() + batchSize - 1) / batchSize;
        // across phases this phase is the window [epochOffset, epochOffset + epochs) of one schedule over the run, and
        // the optimiser's step count, carried from the previous phase (continueOptimiser), is already the run's step
        int shift = runEpochs > 0 ? phase.epochOffset() : 0;
        LrSchedule schedule = new LrSchedule(cfg.train().schedule(), cfg.train().lr(), runEpochs > 0 ? runEpochs : epochs, steps);
        List<EpochRecord> history = new ArrayList<>(phase.prior());
        int firstEpoch = 0;
        int bestEpoch = -1;
        double best = Double.NEGATIVE_INFINITY;
        double trainSeconds = phase.priorSeconds();
        CheckpointState.EpochProgress progress = null;
        if (resume && Files.exists(run.lastState())) {
            CheckpointState st = CheckpointState.read(run);
            if (st.phase() == phase.phase()) {
                firstEpoch = st.phaseEpochsDone();
                bestEpoch = st.bestEpoch();
                best = st.bestMetric();
                trainSeconds = st.trainSeconds();
                history.clear();
                history.addAll(st.history());
                model.load(st.modelFile(run));
                optimizer.loadState(Npz.read(st.optimizerFile(run)), params);
                if (st.phaseFinished()) {
                    return new Result(history, bestEpoch, best, ValidationMetric.name(multiLabel), trainSeconds);
                }
                progress = st.epochProgress();
            }
        }
        double flopsPerEpoch = 3 * model.flopsPerExample() * train.size();
        String lossName = lossName();
        if (lossName.equals("bce") && cfg.train().labelSmoothing() > 0)
            throw new ConfigException("train.label_smoothing applies to the ce loss only; this data is multi-label (bce)");
        String metricName = ValidationMetric.name(multiLabel);
        listener.onStart(epochs, steps, firstEpoch);
        ExecutorService prefetch = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tempora-batches");
            t.setDaemon(true);
            return t;
        });
        try (Stop.Region polling = Stop.cooperate()) {
            for (int epoch = firstEpoch; epoch < epochs; epoch++) {
                long t0 = System.nanoTime();
                model.train(true);
                model.startEpoch(phase.epochOffset() + epoch);
                int[] order = epochOrder(epoch);
                double lossSum = 0;
                int seen = 0;
                int firstStep = 0;
                double earlierSeconds = 0;
                Map<String, Double> extraSums = new LinkedHashMap<>();
                if (progress != null && epoch == firstEpoch) {   // a stopped run continues its epoch where it stopped
                    firstStep = progress.steps();
                    lossSum = progress.lossSum();
                    seen = progress.seen();
                    extraSums.putAll(progress.extraSums());
                    earlierSeconds = progress.seconds();
                    consecutiveSkips = progress.consecutiveSkips();
                }
                Future<Batch> next = firstStep < steps ? prefetch.submit(batchTask(order, epoch, firstStep, batchSize)) : null;
                double lr = schedule.lr(shift + epoch, optimizer.stepCount());
                for (int s = firstStep; s < steps; s++) {
                    Batch batch = get(next);
                    if (s + 1 < steps) next = prefetch.submit(batchTask(order, epoch, s + 1, batchSize));
                    lr = schedule.lr(shift + epoch, optimizer.stepCount());
                    double loss = step(batch, lr, lossName, extraSums);
                    lossSum += loss * batch.size();
                    seen += batch.size();
                    double secs = earlierSeconds + (System.nanoTime() - t0) / 1e9;
                    listener.onStep(epoch, s, loss, lr, seen / secs);
                    if (Stop.requested() != null) {
                        double spent = earlierSeconds + (System.nanoTime() - t0) / 1e9;
                        checkpoint(epoch, false, history, bestEpoch, best, trainSeconds, false,
                                new CheckpointState.EpochProgress(s + 1, lossSum, seen, extraSums, spent, consecutiveSkips));
                        Stop.check("in epoch " + (phase.epochOffset() + epoch + 1) + " after step " + (s + 1) + " of " + steps
                                + "; checkpoint written: continue with --resume");
                    }
                }
                double epochTrainSeconds = earlierSeconds + (System.nanoTime() - t0) / 1e9;
                trainSeconds += epochTrainSeconds;
                Evaluator.Scores vs = Evaluator.run(model, valid, cfg.eval().batchSize(), multiLabel);
                double metric = ValidationMetric.of(vs.logits(), valid, multiLabel);
                Map<String, Double> extra = new LinkedHashMap<>();
                extraSums.forEach((k, v) -> extra.put(k, k.equals("skipped_steps") ? v : v / steps));
                extra.put("valid_seconds", vs.seconds());
                // the same extras in evaluation mode on the validation split (DiffRes: BatchNorm on running statistics)
                vs.extras().forEach((k, v) -> extra.put("eval_" + k, v));
                if (testEachEpoch != null) {
                    Evaluator.Scores ts = Evaluator.run(model, testEachEpoch, cfg.eval().batchSize(), multiLabel);
                    extra.put("test_" + metricName, ValidationMetric.of(ts.logits(), testEachEpoch, multiLabel));
                }
                extra.put("tokens", (double) model.tokens());
                extra.put(PhaseAccounting.FLOPS_KEY, flopsPerEpoch);
                int globalEpoch = phase.epochOffset() + epoch + 1;
                EpochRecord rec = new EpochRecord(globalEpoch, phase.phase(), lossSum / seen, vs.loss(), metric, metricName, lr,
                        epochTrainSeconds, seen / epochTrainSeconds, extra);
                history.add(rec);
                boolean improved = phase.finalPhase() && (metric > best || bestEpoch < 0);
                if (improved) {
                    best = metric;
                    bestEpoch = globalEpoch;
                }
                boolean stop = epoch + 1 < epochs && phase.stop() != null && phase.stop().test(rec);
                if (epochEnd != null) epochEnd.after(rec, phase.finalPhase() && (epoch + 1 == epochs || stop));
                checkpoint(epoch + 1, epoch + 1 == epochs || stop, history, bestEpoch, best, trainSeconds, improved, null);
                listener.onEpoch(rec);
                if (stop) break;
            }
        } finally {
            prefetch.shutdownNow();
        }
        return new Result(history, bestEpoch, best, metricName, trainSeconds);
    }

    /** One optimiser step on one batch; returns the loss. */
    double step(Batch batch, double lr, String lossName, Map<String, Double> extraSums) {
        try (NDManager sub = model.manager().newSubManager()) {
            NDArray x = sub.create(batch.x(), new Shape(batch.size(), batch.frames(), batch.bins()));
            NDArray y = sub.create(batch.y(), new Shape(batch.size(), batch.classes()));
            double value;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                TemporaModel.Output out = model.forward(x, true);
                NDArray loss = lossName.equals("bce") ? Losses.binaryCrossEntropy(out.logits(), y)
                        : Losses.crossEntropy(out.logits(), Losses.smoothTargets(y, cfg.train().labelSmoothing()));
                if (out.auxLoss() != null) {
                    extraSums.merge("aux_loss", (double) out.auxLoss().getFloat(), Double::sum);
                    loss = loss.add(out.auxLoss());
                }
                for (Map.Entry<String, NDArray> e : out.extras().entrySet()) {
                    if (e.getValue().size() == 1) extraSums.merge(e.getKey(), (double) e.getValue().getFloat(), Double::sum);
                }
                gc.backward(loss);
                value = loss.getFloat();
            }
            if (!Double.isFinite(value)) {
                throw new TemporaException("training diverged: the loss became " + value + " (lower train.lr or set train.grad_clip)");
            }
            double norm = optimizer.step(params, lr, cfg.train().gradClip());
            if (!Double.isFinite(norm)) {
                extraSums.merge("skipped_steps", 1.0, Double::sum);
                if (++consecutiveSkips >= 3) {
                    throw new TemporaException("training diverged: 3 steps in a row had a non-finite gradient norm (" + norm
                            + "); lower train.lr or set train.grad_clip");
                }
            } else {
                consecutiveSkips = 0;
            }
            return value;
        }
    }

    private Callable<Batch> batchTask(int[] order, int epoch, int s, int batchSize) {
        return () -> {
            int from = s * batchSize;
            int to = Math.min(order.length, from + batchSize);
            int[] idx = Arrays.copyOfRange(order, from, to);
            return train.batch(idx, true, new SplittableRandom(mix(cfg.seed(), epoch, s)));
        };
    }

    /** Example order of an epoch: a seeded shuffle, or the balanced sampler's draw with replacement. */
    int[] epochOrder(int epoch) {
        int n = train.size();
        SplittableRandom rng = new SplittableRandom(mix(cfg.seed(), epoch, -1));
        int[] order = new int[n];
        if (cfg.train().balancedSampler()) {
            double[] cum = BalancedSampler.cumulativeWeights(train);
            for (int i = 0; i < n; i++) order[i] = BalancedSampler.draw(cum, rng.nextDouble());
            return order;
        }
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** A well-mixed 64-bit seed from (seed, epoch, batch). */
    static long mix(long seed, long epoch, long batch) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xC2B2AE3D27D4EB4FL + batch * 0x165667B19E3779F9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Writes a checkpoint: weights and optimiser state under names unique to this optimiser step
     * ({@code ckpt-<steps>.npz}, {@code ckpt-<steps>-optimizer.npz}), the best/averaging weights and metrics, then
     * {@code last.json}, which names the two files and so commits them in one atomic rename; only then are older
     * checkpoint files removed. A kill at any moment leaves a last.json whose files are complete.
     *
     * @param progress where a stopped run is inside the next epoch ({@code epochsDone} complete epochs), or null
     */
    private void checkpoint(int epochsDone, boolean phaseFinished, List<EpochRecord> history, int bestEpoch, double best,
                            double trainSeconds, boolean improved, CheckpointState.EpochProgress progress) {
        String modelName = String.format("ckpt-%09d.npz", optimizer.stepCount());
        String optimizerName = String.format("ckpt-%09d-optimizer.npz", optimizer.stepCount());
        try {
            model.save(run.track(run.checkpoints().resolve(modelName)));
            Npz.write(run.track(run.checkpoints().resolve(optimizerName)), optimizer.stateEntries());
            if (improved) model.save(run.track(run.bestModel()));
            int global = phase.epochOffset() + epochsDone;
            if (progress == null && phase.finalPhase() && WeightAverage.keeps(cfg.train().weightAverage(), global)) {
                model.save(run.track(run.epochModel(global)));
            }
        } catch (IOException e) {
            throw new OutputException("a checkpoint in " + run.checkpoints(), run.checkpoints(), e);
        }
        run.writeMetrics(history);
        // written last: it commits the checkpoint
        new CheckpointState(phase.epochOffset() + epochsDone, phase.phase(), epochsDone, phaseFinished, bestEpoch, best,
                trainSeconds, optimizer.stepCount(), history, modelName, optimizerName, progress).write(run);
        removeOlderCheckpoints(modelName, optimizerName);
    }

    /** Deletes the checkpoint files the committed last.json no longer names (and the unversioned ones of older runs). */
    private void removeOlderCheckpoints(String keepModel, String keepOptimizer) {
        try (var files = Files.list(run.checkpoints())) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                boolean ours = n.matches("ckpt-\\d+(-optimizer)?\\.npz") || n.equals("last.npz") || n.equals("last-optimizer.npz");
                if (ours && !n.equals(keepModel) && !n.equals(keepOptimizer)) Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new OutputException("old checkpoints in " + run.checkpoints(), run.checkpoints(), e);
        }
    }

    private static Batch get(Future<Batch> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TemporaException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new TemporaException("batch preparation failed: " + Messages.oneLine(String.valueOf(e.getCause().getMessage())), e.getCause());
        }
    }
}
