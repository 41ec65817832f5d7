package org.tempora.tools;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.tempora.config.BackboneSpec;
import org.tempora.config.ConfigLoader;
import org.tempora.config.ExperimentConfig;
import org.tempora.config.ResolutionSpec;
import org.tempora.data.Batch;
import org.tempora.data.BatchSource;
import org.tempora.data.Dataset;
import org.tempora.data.DatasetLoader;
import org.tempora.data.FeatureBatchSource;
import org.tempora.data.FeatureCache;
import org.tempora.data.Split;
import org.tempora.io.Npy;
import org.tempora.model.Ast;
import org.tempora.model.AstConfig;
import org.tempora.model.ModelFactory;
import org.tempora.model.TemporaModel;
import org.tempora.nn.Parameter;
import org.tempora.run.Engines;
import org.tempora.run.PreparedData;
import org.tempora.run.RunListener;
import org.tempora.train.Evaluator;
import org.tempora.train.LrSchedule;
import org.tempora.train.RunFiles;
import org.tempora.train.Trainer;
import org.tempora.train.ValidationMetric;

/**
 * Learning curve of the square-patch AST (issue #10, item 5), or of DiffRes + AST ({@code --set resolution.kind=diffres},
 * item 8), tempora's side of a side-by-side comparison with the PyTorch mirror {@code tools/parity/square_ast_curve.py}.
 * With DiffRes the clips are written raw (the model normalises after the resolution stage) and every step's guide
 * loss, activeness (pydiffres's definition), score std over all clips and share of clips with silent frames are logged.
 *
 * <p>It reads a Speech Commands-style dataset through tempora's own data layer ({@link PreparedData}: feature cache,
 * front-end, normalisation statistics computed on the full training split as {@code tempora train} does), draws a
 * seeded subset of the training and validation splits, builds the preset's model ({@code ast-kws}: AST-mini, square
 * 16×16 patches, stride 10, xavier init) and writes into {@code --out}:
 * <ul>
 *   <li>{@code init.npz}: the initial state dict (tempora's keys);</li>
 *   <li>{@code train_x.npy} / {@code valid_x.npy}: the clips as the backbone sees them, i.e. already normalised
 *       {@code (x − mean)/(2·std)} by the same engine ops as {@code TemporaModel.forward}, float32
 *       {@code [N, frames, bins]}; {@code train_y.npy} / {@code valid_y.npy}: int64 labels;</li>
 *   <li>{@code order.npy}: int64 {@code [steps, batch]}, the rows of {@code train_x} of every step (a seeded shuffle
 *       of the subset per pass; a pass's last partial batch is dropped so every batch is full);</li>
 *   <li>{@code lr.npy}: float32 {@code [steps]}, the learning rate of every step from tempora's {@link LrSchedule}
 *       for the config (train.epochs × steps per epoch of the full training split, as {@code tempora train} would
 *       schedule it), rounded to float32 and used in that form by both sides;</li>
 *   <li>{@code meta.json}: config, shapes, optimiser constants, the weight-decay split, normalisation;
 *       {@code train_ids.txt} / {@code valid_ids.txt}: the clips drawn.</li>
 * </ul>
 * Then it trains with tempora's own {@code Trainer.step} (forward, CE, backward, AdamW with the preset's clipping)
 * on exactly those batches, without augmentation, mixup or noise (the model has no dropout), and writes
 * {@code tempora_curve.csv}: {@code step,lr,train_loss,step_seconds,valid_loss,valid_top1}; step 0 is the
 * validation of the initial weights, validation runs every {@code --eval-every} steps and after the last.
 *
 * <p>Not a JUnit test (the suite does not run it). Run it from the test class path, e.g.
 * <pre>
 * MKL_CBWR=AUTO,STRICT MKL_DYNAMIC=FALSE java -Xss8m -Dai.djl.offline=true --add-modules jdk.incubator.vector \
 *     -cp tempora-core/target/classes:tempora-core/target/test-classes:$(cat tempora-core/target/square-ast-cp.txt) org.tempora.tools.SquareAstCurve \
 *     --data /work/data/kws35 --out /tmp/curve --steps 600 --eval-every 50
 * </pre>
 * Options: {@code --preset} (ast-kws), {@code --set key=value} (repeatable, ConfigLoader syntax), {@code --seed}
 * (0: model init, subsets and batch order), {@code --train-clips} (1024, 0 = all), {@code --valid-clips} (512,
 * 0 = all), {@code --steps}, {@code --eval-every} (50), {@code --threads} (2), {@code --data-threads} (1),
 * {@code --cache} (tempora's default feature cache), {@code --prepare-only} (write the files, do not train).
 */
public final class SquareAstCurve {
    private SquareAstCurve() {}

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        Files.createDirectories(o.out);

        List<String> sets = new ArrayList<>(o.sets);
        sets.add("data.path=" + o.data());
        sets.add("seed=" + o.seed);
        // the comparison is of the optimisation alone: no augmentation of any kind
        sets.addAll(List.of("augment.freqm=0", "augment.timem=0", "augment.mixup=0.0", "augment.noise=false",
                "augment.specmask_ratio=0.0"));
        ExperimentConfig cfg = ConfigLoader.load(o.preset, null, sets);
        require(cfg.backbone().kind().equals("ast"), "the PyTorch mirror covers AST only (backbone.kind=" + cfg.backbone().kind() + ")");
        boolean diffres = cfg.resolution().kind().equals("diffres");
        require(diffres || cfg.resolution().kind().equals("none"),
                "the PyTorch mirror has DiffRes or no resolution stage (resolution.kind=" + cfg.resolution().kind() + ")");
        require(!diffres || (!((ResolutionSpec.DiffRes) cfg.resolution()).learnPosEmb() && ((ResolutionSpec.DiffRes) cfg.resolution()).maxpool().equals("reference")),
                "the PyTorch mirror's DiffRes has a fixed resolution encoding and the reference max pooling");
        require(cfg.train().phases().isEmpty(), "single-phase training only");
        require(!cfg.train().balancedSampler(), "the batch order is a plain shuffle");

        int threads = Engines.configureThreads(o.threads);
        log("engine: %d threads; config: preset %s, %s", threads, o.preset, String.join(" ", o.sets));

        // ---- data: tempora's pipeline on the train and valid splits (normalisation from the full training split)
        long t0 = System.nanoTime();
        Dataset all = DatasetLoader.load(cfg.data(), cfg.seed());
        Map<Split, List<org.tempora.data.Clip>> splits = new EnumMap<>(Split.class);
        splits.put(Split.TRAIN, all.split(Split.TRAIN));
        splits.put(Split.VALID, all.split(Split.VALID));
        Dataset ds = new Dataset(all.name(), all.layout(), all.classes(), all.multiLabel(), splits, all.noise(), all.skipped());
        require(!ds.multiLabel(), "single-label data only");
        PreparedData pd = PreparedData.prepare(cfg, ds, o.cache, o.dataThreads, new RunListener() {
            @Override
            public void onStage(String message) {
                log("%s", message);
            }

            @Override
            public void onNote(String message) {
                log("  %s", message);
            }
        });
        FeatureBatchSource fullTrain = pd.sources.get(Split.TRAIN);
        FeatureBatchSource fullValid = pd.sources.get(Split.VALID);
        Subset train = Subset.draw(fullTrain, o.trainClips, new SplittableRandom(o.seed ^ 0x7A11_5EEDL));
        Subset valid = Subset.draw(fullValid, o.validClips, new SplittableRandom(o.seed ^ 0x0A11_DA7AL));
        log("data: %d of %d training clips, %d of %d validation clips, %d frames x %d bins, %d classes; norm mean %.6f std %.6f (%.1f s)",
                train.size(), fullTrain.size(), valid.size(), fullValid.size(), train.frames(), train.bins(),
                train.numClasses(), pd.normMean, pd.normStd, (System.nanoTime() - t0) / 1e9);

        int batchSize = cfg.train().batchSize();
        require(train.size() >= batchSize, "--train-clips must hold at least one batch of " + batchSize);
        int stepsPerEpoch = (fullTrain.size() + batchSize - 1) / batchSize; // as Trainer.fit schedules the full split
        LrSchedule schedule = new LrSchedule(cfg.train().schedule(), cfg.train().lr(), cfg.train().epochs(), stepsPerEpoch);
        float[] lr = new float[o.steps];
        for (int s = 0; s < o.steps; s++) lr[s] = (float) schedule.lr(s / stepsPerEpoch, s);
        long[][] order = batchOrder(train.size(), batchSize, o.steps, o.seed);

        try (NDManager manager = Engine.getInstance().newBaseManager()) {
            TemporaModel model = ModelFactory.build(cfg, new ModelFactory.Input(train.frames(), train.bins(),
                    ds.numClasses(), pd.normMean, pd.normStd), manager);
            AstConfig ac = ((Ast) model.backbone()).config();
            log("model: AST dim %d, depth %d, heads %d, mlp %d, %d tokens, %.3f M parameters, init %s",
                    ac.dim(), ac.depth(), ac.heads(), ac.mlpHidden(), model.tokens(), model.parameterCount() / 1e6, ((BackboneSpec.Ast) cfg.backbone()).init());

            model.save(o.out.resolve("init.npz"));
            writeInputs(o.out, "train", train, model, !diffres);
            writeInputs(o.out, "valid", valid, model, !diffres);
            long[] flat = new long[o.steps * batchSize];
            for (int s = 0; s < o.steps; s++) System.arraycopy(order[s], 0, flat, s * batchSize, batchSize);
            Npy.write(o.out.resolve("order.npy"), flat, o.steps, batchSize);
            Npy.write(o.out.resolve("lr.npy"), lr, o.steps);
            writeMeta(o, cfg, pd, model, ac, train, valid, fullTrain.size(), stepsPerEpoch);
            log("wrote init.npz, train/valid x/y, order.npy, lr.npy, meta.json to %s", o.out);
            if (o.prepareOnly) return;

            train(o, cfg, model, train, valid, order, lr);
        }
    }

    /** tempora's training step on the fixed batches, with validation every {@code evalEvery} steps. */
    private static void train(Options o, ExperimentConfig cfg, TemporaModel model, Subset train, Subset valid,
                              long[][] order, float[] lr) throws Exception {
        Trainer trainer = new Trainer(cfg, model, train, valid, false, new RunFiles(o.out.resolve("tempora-run")), null);
        Method step = Trainer.class.getDeclaredMethod("step", Batch.class, double.class, String.class, Map.class);
        step.setAccessible(true);
        String lossName = trainer.lossName();
        Path csv = o.out.resolve("tempora_curve.csv");
        try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            w.write("step,lr,train_loss,step_seconds,valid_loss,valid_top1,aux_loss,activeness,score_std,with_empty\n");
            double[] v = validate(model, valid, cfg.eval().batchSize());
            w.write(String.format(Locale.ROOT, "0,,,,%.8f,%.6f,,,,%n", v[0], v[1]));
            w.flush();
            log("step 0: valid loss %.4f top-1 %.2f %%", v[0], 100 * v[1]);
            model.train(true);
            double window = 0;
            double trainSeconds = 0;
            for (int s = 0; s < o.steps; s++) {
                int[] idx = Arrays.stream(order[s]).mapToInt(i -> (int) i).toArray();
                Batch batch = train.batch(idx, false, null);
                long t = System.nanoTime();
                double loss;
                Map<String, Double> extras = new LinkedHashMap<>();
                try {
                    loss = (double) step.invoke(trainer, batch, (double) lr[s], lossName, extras);
                } catch (InvocationTargetException e) {
                    if (e.getCause() instanceof RuntimeException re) throw re;
                    throw e;
                }
                double secs = (System.nanoTime() - t) / 1e9;
                trainSeconds += secs;
                window += loss;
                boolean eval = (s + 1) % o.evalEvery == 0 || s + 1 == o.steps;
                String vl = "";
                String vt = "";
                if (eval) {
                    v = validate(model, valid, cfg.eval().batchSize());
                    model.train(true);
                    vl = String.format(Locale.ROOT, "%.8f", v[0]);
                    vt = String.format(Locale.ROOT, "%.6f", v[1]);
                    int n = (s + 1) % o.evalEvery == 0 ? o.evalEvery : (s + 1) % o.evalEvery;
                    log("step %d: lr %.3g, train loss (mean of last %d) %.4f, valid loss %.4f top-1 %.2f %%, %.3f s/step",
                            s + 1, lr[s], n, window / n, v[0], 100 * v[1], trainSeconds / (s + 1));
                    window = 0;
                }
                String aux = extras.containsKey("aux_loss") ? String.format(Locale.ROOT, "%.8f", extras.get("aux_loss")) : "";
                String act = extras.containsKey("activeness") ? String.format(Locale.ROOT, "%.8f", extras.get("activeness")) : "";
                String sstd = extras.containsKey("score_std") ? String.format(Locale.ROOT, "%.8f", extras.get("score_std")) : "";
                String emp = extras.containsKey("empty_clips") ? String.format(Locale.ROOT, "%.6f", extras.get("empty_clips")) : "";
                w.write(String.format(Locale.ROOT, "%d,%.9g,%.8f,%.4f,%s,%s,%s,%s,%s,%s%n", s + 1, lr[s], loss, secs, vl, vt, aux, act, sstd, emp));
                w.flush();
            }
        }
        log("wrote %s", csv);
    }

    /** Mean validation loss and top-1 through tempora's own evaluator. */
    private static double[] validate(TemporaModel model, Subset valid, int batchSize) {
        Evaluator.Scores sc = Evaluator.run(model, valid, batchSize, false);
        int[][] labels = new int[valid.size()][];
        for (int i = 0; i < labels.length; i++) labels[i] = valid.labels(i);
        return new double[] {sc.loss(), ValidationMetric.compute(sc.logits(), labels, valid.numClasses(), false)};
    }

    /**
     * Batch order: passes over the subset, each a Fisher–Yates shuffle from a generator seeded by (seed, pass); the
     * last partial batch of a pass is dropped, so every step has {@code batch} rows.
     */
    static long[][] batchOrder(int n, int batch, int steps, long seed) {
        long[][] out = new long[steps][];
        int perPass = n / batch;
        int[] perm = null;
        for (int s = 0; s < steps; s++) {
            int pass = s / perPass;
            int k = s % perPass;
            if (k == 0) {
                SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + (pass + 1) * 0xC2B2AE3D27D4EB4FL);
                perm = new int[n];
                for (int i = 0; i < n; i++) perm[i] = i;
                for (int i = n - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int t = perm[i];
                    perm[i] = perm[j];
                    perm[j] = t;
                }
            }
            out[s] = new long[batch];
            for (int i = 0; i < batch; i++) out[s][i] = perm[k * batch + i];
        }
        return out;
    }

    /**
     * {@code <name>_x.npy}: the clips normalised with the model's own ops ({@code x.sub(mean).div(2·std)} in float32 on
     * the engine, as {@code TemporaModel.forward}), so the backbone input is bit-identical on both sides;
     * {@code <name>_y.npy}: labels; {@code <name>_ids.txt}: clip ids.
     */
    private static void writeInputs(Path dir, String name, Subset src, TemporaModel model, boolean normalise) throws IOException {
        int n = src.size();
        int t = src.frames();
        int f = src.bins();
        float[] x = new float[n * t * f];
        long[] y = new long[n];
        StringBuilder ids = new StringBuilder();
        float mean = model.normMean();
        float div = (float) (model.normStd() * 2.0);
        // normStd() is normDivisor/2 in float; re-doubling it is exact, so div equals the model's divisor
        for (int start = 0; start < n; start += 64) {
            int b = Math.min(64, n - start);
            int[] idx = new int[b];
            for (int i = 0; i < b; i++) idx[i] = start + i;
            Batch batch = src.batch(idx, false, null);
            try (NDManager sub = model.manager().newSubManager()) {
                NDArray raw = sub.create(batch.x(), new Shape(b, t, f));
                float[] norm = normalise ? raw.sub(mean).div(div).toFloatArray() : raw.toFloatArray();
                System.arraycopy(norm, 0, x, start * t * f, norm.length);
            }
            for (int i = 0; i < b; i++) {
                y[start + i] = src.labels(start + i)[0];
                ids.append(src.id(start + i)).append('\n');
            }
        }
        Npy.write(dir.resolve(name + "_x.npy"), x, n, t, f);
        Npy.write(dir.resolve(name + "_y.npy"), y, n);
        Files.writeString(dir.resolve(name + "_ids.txt"), ids.toString(), StandardCharsets.UTF_8);
    }

    private static void writeMeta(Options o, ExperimentConfig cfg, PreparedData pd, TemporaModel model, AstConfig ac,
                                  Subset train, Subset valid, int fullTrain, int stepsPerEpoch) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generator", "org.tempora.tools.SquareAstCurve");
        m.put("preset", o.preset);
        m.put("sets", o.sets);
        m.put("seed", o.seed);
        m.put("data", Map.of("path", cfg.data().path(), "digest", pd.digest, "train_clips", train.size(), "train_split", fullTrain,
                "valid_clips", valid.size(), "valid_split", pd.sources.get(Split.VALID).size()));
        boolean diffres = cfg.resolution().kind().equals("diffres");
        m.put("input", Map.of("frames", train.frames(), "bins", train.bins(), "classes", train.numClasses(),
                "norm_mean", pd.normMean, "norm_std", pd.normStd, "normalised", !diffres));
        if (diffres) {
            ResolutionSpec.DiffRes r = (ResolutionSpec.DiffRes) cfg.resolution();
            m.put("resolution", Map.of("kind", "diffres", "reduction", r.reduction(), "channels", r.channels(), "maxpool", r.maxpool(),
                    "learn_pos_emb", r.learnPosEmb()));
        }
        m.put("classes", pd.dataset.classes());
        m.put("model", Map.of("backbone", "ast", "dim", ac.dim(), "depth", ac.depth(), "heads", ac.heads(),
                "mlp_hidden", ac.mlpHidden(), "patch", List.of(ac.patches().patchF(), ac.patches().patchT()),
                "stride", List.of(ac.patches().strideF(), ac.patches().strideT()), "tokens", model.tokens(),
                "init", ((BackboneSpec.Ast) cfg.backbone()).init(), "parameters", model.parameterCount()));
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("optimizer", cfg.train().optimizer());
        t.put("lr", cfg.train().lr());
        t.put("betas", cfg.train().betas());
        t.put("eps", cfg.train().eps());
        t.put("weight_decay", cfg.train().weightDecay());
        t.put("grad_clip", cfg.train().gradClip());
        t.put("loss", cfg.train().loss());
        t.put("batch_size", cfg.train().batchSize());
        t.put("schedule", Map.of("kind", cfg.train().schedule().kind(), "warmup_steps", cfg.train().schedule().warmupSteps(),
                "min_lr_fraction", cfg.train().schedule().minLrFraction(), "epochs", cfg.train().epochs(), "steps_per_epoch", stepsPerEpoch));
        t.put("steps", o.steps);
        t.put("eval_every", o.evalEvery);
        t.put("eval_batch_size", cfg.eval().batchSize());
        m.put("train", t);
        List<String> decay = new ArrayList<>();
        List<String> noDecay = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) (e.getValue().decay() ? decay : noDecay).add(e.getKey());
        m.put("decay", decay);
        m.put("no_decay", noDecay);
        RunFiles.JSON.writeValue(o.out.resolve("meta.json").toFile(), m);
    }

    /** A fixed subset of a split (rows {@code 0..n-1} ↦ split indices, ascending), served without augmentation. */
    static final class Subset implements BatchSource {
        private final FeatureBatchSource full;
        private final int[] rows;

        private Subset(FeatureBatchSource full, int[] rows) {
            this.full = full;
            this.rows = rows;
        }

        /** {@code n} clips drawn without replacement ({@code n ≤ 0} or ≥ the split: all of it). */
        static Subset draw(FeatureBatchSource full, int n, SplittableRandom rng) {
            int total = full.size();
            if (n <= 0 || n >= total) return new Subset(full, java.util.stream.IntStream.range(0, total).toArray());
            int[] perm = java.util.stream.IntStream.range(0, total).toArray();
            for (int i = 0; i < n; i++) {
                int j = i + rng.nextInt(total - i);
                int x = perm[i];
                perm[i] = perm[j];
                perm[j] = x;
            }
            int[] rows = Arrays.copyOf(perm, n);
            Arrays.sort(rows);
            return new Subset(full, rows);
        }

        String id(int i) {
            return full.clip(rows[i]).id();
        }

        @Override
        public int size() {
            return rows.length;
        }

        @Override
        public int frames() {
            return full.frames();
        }

        @Override
        public int bins() {
            return full.bins();
        }

        @Override
        public int numClasses() {
            return full.numClasses();
        }

        @Override
        public int[] labels(int i) {
            return full.labels(rows[i]);
        }

        @Override
        public Batch batch(int[] indices, boolean augment, SplittableRandom rng) {
            int[] mapped = new int[indices.length];
            for (int k = 0; k < indices.length; k++) mapped[k] = rows[indices[k]];
            Batch b = full.batch(mapped, false, null);
            return new Batch(b.x(), b.size(), b.frames(), b.bins(), b.y(), b.classes(), indices.clone());
        }
    }

    /** Command-line options. */
    private record Options(Path data, Path out, String preset, List<String> sets, long seed, int trainClips, int validClips,
                           int steps, int evalEvery, int threads, int dataThreads, Path cache, boolean prepareOnly) {
        static Options parse(String[] a) {
            Path data = Path.of("/work/data/kws35");
            Path out = null;
            String preset = "ast-kws";
            List<String> sets = new ArrayList<>();
            long seed = 0;
            int trainClips = 1024;
            int validClips = 512;
            int steps = 0;
            int evalEvery = 50;
            int threads = 2;
            int dataThreads = 1;
            Path cache = FeatureCache.defaultRoot();
            boolean prepareOnly = false;
            for (int i = 0; i < a.length; i++) {
                String k = a[i];
                if (k.equals("--prepare-only")) {
                    prepareOnly = true;
                    continue;
                }
                if (i + 1 >= a.length) throw new IllegalArgumentException(k + " needs a value");
                String v = a[++i];
                switch (k) {
                    case "--data" -> data = Path.of(v);
                    case "--out" -> out = Path.of(v);
                    case "--preset" -> preset = v;
                    case "--set" -> sets.add(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--train-clips" -> trainClips = Integer.parseInt(v);
                    case "--valid-clips" -> validClips = Integer.parseInt(v);
                    case "--steps" -> steps = Integer.parseInt(v);
                    case "--eval-every" -> evalEvery = Integer.parseInt(v);
                    case "--threads" -> threads = Integer.parseInt(v);
                    case "--data-threads" -> dataThreads = Integer.parseInt(v);
                    case "--cache" -> cache = Path.of(v);
                    default -> throw new IllegalArgumentException("unknown option " + k);
                }
            }
            if (out == null) throw new IllegalArgumentException("--out DIR is required");
            if (steps < 1) throw new IllegalArgumentException("--steps N (>= 1) is required");
            if (evalEvery < 1) throw new IllegalArgumentException("--eval-every must be >= 1");
            return new Options(data, out, preset, List.copyOf(sets), seed, trainClips, validClips, steps, evalEvery, threads,
                    dataThreads, cache, prepareOnly);
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    private static void log(String fmt, Object... args) {
        System.out.println(String.format(Locale.ROOT, fmt, args));
        System.out.flush();
    }
}
